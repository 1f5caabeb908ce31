import type { MessageTemplate, MessageVars } from './template.ts';
import type { TemplateKey } from './keys.ts';

// SMS is not private: name the drug only when the clinic opts in. Email always may.
// Plain GSM-7 characters only in SMS (straight quotes, no dashes or emoji) so a body stays cheap.
const session = (v: MessageVars): string => (v.namesTreatment ? 'your ketamine session' : 'your session');
const stopped = (v: MessageVars): string => (v.namesTreatment ? 'stopping ketamine' : 'stopping');
const signOff = (v: MessageVars): string => `Take care,\nThe ${v.clinicName} team`;

export const en = {
  'no-driving': {
    sms: (v) =>
      `Hi ${v.firstName}, this is ${v.clinicName}. Please don't drive for the rest of today, even if you feel fine after ${session(v)}: reactions can stay slow for hours. Arrange a ride home and rest.`,
    email: {
      subject: (v) => `${v.clinicName}: no driving for the rest of today`,
      text: (v) =>
        `Hi ${v.firstName},\n\nThank you for coming in today. Please don't drive for the rest of the day, even if you feel completely fine. Ketamine can slow your reactions and coordination for longer than you notice.\n\nPlease arrange for someone to take you home, or use a taxi or rideshare, and give yourself the evening to rest.\n\nIf anything worries you, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'no-driving-escort': {
    sms: (v) =>
      `Hi ${v.escortName ?? 'there'}, this is ${v.clinicName}. Thank you for helping ${v.firstName} today. Please make sure they don't drive for the rest of the day after ${v.namesTreatment ? 'their ketamine session' : 'their session'}, even if they seem fine.`,
    email: {
      subject: (v) => `${v.clinicName}: please make sure ${v.firstName} doesn't drive today`,
      text: (v) =>
        `Hi ${v.escortName ?? 'there'},\n\nThank you for helping ${v.firstName} get home today. After a ketamine session, reactions and coordination can stay slow for the rest of the day, even when someone seems and feels fine.\n\nPlease make sure ${v.firstName} doesn't drive today. A quiet, restful evening is best.\n\nIf you are worried about ${v.firstName}, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  // Esketamine's label: no driving or machinery until the next day, after a restful sleep.
  'no-driving-esketamine': {
    sms: (v) =>
      `Hi ${v.firstName}, this is ${v.clinicName}. Please don't drive or use machinery until tomorrow, after a good night's sleep, even if you feel fine after ${v.namesTreatment ? 'your esketamine treatment' : 'your treatment'}. Arrange a ride home and rest.`,
    email: {
      subject: (v) => `${v.clinicName}: no driving until tomorrow`,
      text: (v) =>
        `Hi ${v.firstName},\n\nThank you for coming in today. After an esketamine treatment, please don't drive or operate machinery until tomorrow, once you have had a restful night's sleep, even if you feel completely fine today. Alertness and reactions can stay affected for longer than you notice.\n\nPlease arrange for someone to take you home, or use a taxi or rideshare, and give yourself the evening to rest.\n\nIf anything worries you, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'no-driving-esketamine-escort': {
    sms: (v) =>
      `Hi ${v.escortName ?? 'there'}, this is ${v.clinicName}. Thank you for helping ${v.firstName} today. Please make sure they don't drive until tomorrow, after a good night's sleep, even if they seem fine.`,
    email: {
      subject: (v) => `${v.clinicName}: please make sure ${v.firstName} doesn't drive until tomorrow`,
      text: (v) =>
        `Hi ${v.escortName ?? 'there'},\n\nThank you for helping ${v.firstName} get home today. After an esketamine treatment, alertness and reactions can stay affected until the next day, even when someone seems and feels fine.\n\nPlease make sure ${v.firstName} doesn't drive or use machinery until tomorrow, after a restful night's sleep.\n\nIf you are worried about ${v.firstName}, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'light-meal': {
    sms: (v) =>
      `Hi ${v.firstName}, ${v.clinicName} here. When you're ready to eat, start with something light: a big meal soon after ${session(v)} can bring on nausea. Keep sipping water today.`,
    email: {
      subject: (v) => `${v.clinicName}: eating and drinking today`,
      text: (v) =>
        `Hi ${v.firstName},\n\nWhen you feel ready to eat, start with something small and light, like toast, soup or fruit. A heavy meal soon after a ketamine session can bring on nausea.\n\nKeep a glass of water nearby and take small sips through the day.\n\nIf you feel sick and it isn't easing, call us on ${v.clinicPhone}.\n\n${signOff(v)}`,
    },
  },
  'checkin-24h': {
    sms: (v) =>
      `Hi ${v.firstName}, it's ${v.clinicName}. How are you a day after ${session(v)}? Reply 1 to 5 (1 = very poorly, 5 = very well). Tiredness, a mild headache or feeling a bit detached are common and usually pass within a day. Worried? Call us on ${v.clinicPhone}. Emergency: call ${v.emergencyPhone}.`,
    email: {
      subject: (v) => `${v.clinicName}: how are you feeling today?`,
      text: (v) =>
        `Hi ${v.firstName},\n\nIt has been about a day since your ketamine session, and we would like to know how you are. Please reply with a number from 1 to 5, where 1 means very poorly and 5 means very well.\n\nSome after-effects are common: feeling tired, a mild headache, a little nausea, vivid dreams or feeling a bit detached. They usually pass within a day.\n\nIf something worries you or isn't easing, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'checkin-reminder': {
    sms: (v) =>
      `Hi ${v.firstName}, ${v.clinicName} again. Just checking in: how are you doing? Reply with a number from 1 (very poorly) to 5 (very well), or a few words. Worried? Call ${v.clinicPhone}.`,
    email: {
      subject: (v) => `${v.clinicName}: just checking in`,
      text: (v) =>
        `Hi ${v.firstName},\n\nWe haven't heard back from you yet, so we're checking in once more. How are you doing? Reply with a number from 1 (very poorly) to 5 (very well), or a few words.\n\nIf something worries you, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'withdrawal-checkin': {
    sms: (v) =>
      `Hi ${v.firstName}, it's ${v.clinicName}. The first days after ${stopped(v)} are often the hardest: poor sleep, tiredness, sweats or cravings tend to peak now, then ease. How are you? Reply 1 (very poorly) to 5 (very well).`,
    email: {
      subject: (v) => `${v.clinicName}: how are the first days going?`,
      text: (v) =>
        `Hi ${v.firstName},\n\nThe first few days after stopping ketamine are often the hardest. Poor sleep, tiredness, sweating, chills, an upset stomach, low mood and cravings are common now. They tend to peak early and then ease.\n\nHow are you doing? Please reply with a number from 1 (very poorly) to 5 (very well).\n\nIf something worries you, call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'week-two-stabilisation': {
    sms: (v) =>
      `Hi ${v.firstName}, ${v.clinicName} here. Two weeks since ${stopped(v)}: well done. Weeks 2 to 4 are about settling. Cravings, low mood or poor sleep can linger. Routines and people you trust help. Reply if you need us.`,
    email: {
      subject: (v) => `${v.clinicName}: two weeks in`,
      text: (v) =>
        `Hi ${v.firstName},\n\nIt has been two weeks since you stopped ketamine. That takes real effort, well done.\n\nWeeks 2 to 4 are a time of settling. The physical symptoms have usually eased, but cravings, low mood and poor sleep can linger for a while. That is common and it does get easier.\n\nSteady routines help: regular sleep and meals, some movement each day, and time with people you trust. A support group or counsellor can help too.\n\nIf you need us, just reply or call ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\n${signOff(v)}`,
    },
  },
  'crisis-reply': {
    sms: (v) =>
      `${v.firstName}, thank you for telling us. If you are in danger now, call ${v.emergencyPhone}. Call or text ${v.crisisLine} any time, or text HOME to 741741. We have alerted the ${v.clinicName} team.`,
    email: {
      subject: (v) => `${v.clinicName}: help is available now`,
      text: (v) =>
        `${v.firstName}, thank you for telling us.\n\nIf you are in danger now, call ${v.emergencyPhone}.\n\nYou can call or text ${v.crisisLine} at any time to talk to someone, or text HOME to 741741.\n\nWe have alerted the ${v.clinicName} team and someone will be in touch. You can also call us on ${v.clinicPhone}.`,
    },
  },
  'crisis-reply-other': {
    sms: (v) =>
      `${v.firstName}, thank you for telling us. If they or anyone else is in danger, call ${v.emergencyPhone} now and stay with them. For support, call or text ${v.crisisLine}, or text HOME to 741741. We have alerted the ${v.clinicName} team.`,
    email: {
      subject: (v) => `${v.clinicName}: if someone is in danger, call ${v.emergencyPhone} now`,
      text: (v) =>
        `${v.firstName}, thank you for telling us.\n\nIf they or anyone else is in danger, call ${v.emergencyPhone} now and stay with them until help arrives.\n\nFor support for them or for you, call or text ${v.crisisLine} at any time, or text HOME to 741741.\n\nWe have alerted the ${v.clinicName} team. You can also call us on ${v.clinicPhone}.`,
    },
  },
  'help-reply': {
    sms: (v) =>
      `Hi ${v.firstName}, these texts are from ${v.clinicName}. Call us on ${v.clinicPhone}. In an emergency call ${v.emergencyPhone}. Reply STOP to stop texts.`,
    email: {
      subject: (v) => `${v.clinicName}: how to reach us`,
      text: (v) =>
        `Hi ${v.firstName},\n\nThese messages are from ${v.clinicName}. You can call us on ${v.clinicPhone}. In an emergency, call ${v.emergencyPhone}.\n\nTo stop text messages, reply STOP to any of them.\n\n${signOff(v)}`,
    },
  },
  'opt-out-confirmation': {
    sms: (v) =>
      `Hi ${v.firstName}, you will get no more texts from ${v.clinicName}. Reply START to get them again.`,
    email: {
      subject: (v) => `${v.clinicName}: text messages stopped`,
      text: (v) =>
        `Hi ${v.firstName},\n\nYou will get no more text messages from ${v.clinicName}. To get them again, reply START to our number.\n\nYou can still call us on ${v.clinicPhone}.\n\n${signOff(v)}`,
    },
  },
  'opt-in-confirmation': {
    sms: (v) =>
      `Hi ${v.firstName}, you will get texts from ${v.clinicName} again. Reply HELP for help or STOP to stop them.`,
    email: {
      subject: (v) => `${v.clinicName}: text messages back on`,
      text: (v) =>
        `Hi ${v.firstName},\n\nYou will get text messages from ${v.clinicName} again. Reply HELP for help, or STOP at any time to stop them.\n\n${signOff(v)}`,
    },
  },
} satisfies Record<TemplateKey, MessageTemplate>;
