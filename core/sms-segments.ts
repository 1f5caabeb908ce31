// GSM 03.38 default alphabet (one septet each) and its extension table (escape + char = two septets).
// ESC (0x1B) itself is left out: it only introduces extension characters.
const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const gsmExtension = new Set('\f^{}\\[~]|€');

// A single message carries 140 bytes; a concatenated part loses 6 bytes to its header (3GPP TS 23.040).
const limits = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

export type SmsEncoding = keyof typeof limits;

export interface SmsSegments {
  encoding: SmsEncoding;
  segments: number;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** The distinct characters that are outside GSM-7 and so forced UCS-2, in order of first use. */
  ucs2Characters: string[];
}

/** How many SMS segments a body takes, the way carriers and Twilio count them. */
export function smsSegments(body: string): SmsSegments {
  const chars = Array.from(body); // code points: a surrogate pair stays one character
  const ucs2Characters = [...new Set(chars.filter((c) => !gsmBasic.has(c) && !gsmExtension.has(c)))];
  const encoding: SmsEncoding = ucs2Characters.length > 0 ? 'UCS-2' : 'GSM-7';
  const widths = chars.map((c) => (encoding === 'UCS-2' ? c.length : gsmExtension.has(c) ? 2 : 1));
  const units = widths.reduce((sum, w) => sum + w, 0);
  return { encoding, segments: countSegments(widths, units, limits[encoding]), units, ucs2Characters };
}

function countSegments(widths: number[], units: number, limit: { single: number; part: number }): number {
  if (units === 0) return 0;
  if (units <= limit.single) return 1;
  // An escape pair or a surrogate pair is never split across parts, so pack character by character.
  let segments = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > limit.part) {
      segments += 1;
      used = 0;
    }
    used += w;
  }
  return segments;
}

/** Names SMS must not carry unless the clinic opts in: SMS is not a private channel. */
export const drugNames = ['ketamine', 'esketamine', 'spravato'] as const;

// The Spanish spellings (ketamina, esketamina) are caught too, since Spanish bodies go out as well.
const drugPattern = /\b(?:es)?ketamin[ae]\b|\bspravato\b/i;

/** The drug name a text mentions (as written), or undefined. */
export function namesDrug(text: string): string | undefined {
  return drugPattern.exec(text)?.[0];
}
