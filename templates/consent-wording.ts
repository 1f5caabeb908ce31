import type { Channel } from '../core/care-plan.ts';
import type { Locale } from '../core/events.ts';

/**
 * The consent wording a clinic shows a patient (on its intake form, or read out) for care messages
 * from Aftercare, and the version each consent record names. Change the words, change the version:
 * a record then says which words the patient agreed to.
 */
export const CONSENT_WORDING_VERSION = '2026-12-02';

export const consentWording: Record<Locale, Record<Channel, string>> = {
  en: {
    sms: '{clinic} will text you follow-up care messages after each treatment, up to a few a day, from its care number. Message and data rates may apply. Reply STOP to stop at any time, HELP for help. Consent is not a condition of treatment.',
    email: '{clinic} will email you follow-up care messages after each treatment. Every email has a link to stop them.',
  },
  es: {
    sms: '{clinic} le enviará mensajes de texto de seguimiento después de cada tratamiento, hasta unos pocos al día, desde su número de atención. Pueden aplicarse tarifas de mensajes y datos. Responda STOP para dejar de recibirlos en cualquier momento, HELP para ayuda. El consentimiento no es condición para el tratamiento.',
    email: '{clinic} le enviará correos de seguimiento después de cada tratamiento. Cada correo tiene un enlace para dejar de recibirlos.',
  },
};
