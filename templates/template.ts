/** What a message may say about the person and the clinic. Rendering fills these in. */
export interface MessageVars {
  firstName: string;
  clinicName: string;
  clinicPhone: string;
  /** True when the clinic lets SMS name the drug; email may always name it. */
  namesTreatment: boolean;
  /** The escort's note speaks of the patient by first name. */
  escortName?: string;
  emergencyPhone: string;
  crisisLine: string;
}

/** One message in one language: an SMS body and an email with a subject. */
export interface MessageTemplate {
  sms: (vars: MessageVars) => string;
  email: {
    subject: (vars: MessageVars) => string;
    /** Plain paragraphs separated by blank lines; the HTML part is made from them. */
    text: (vars: MessageVars) => string;
  };
}
