import { randomInt } from 'node:crypto';

// Read aloud or typed on a phone: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
export const codeAlphabet = 'ACDEFHJKMNPRTUVWXY3479';
/** 22^6 is 113 million: a clash among even 100,000 open escalations is one try in a thousand. */
export const codeLengths = [6, 6, 6, 6, 7, 7, 7, 7] as const;
/** `ACK <code>` is read for 4 to 8 characters (core/classify-reply.ts). */
export const longestCode = 8;

export type PickCode = (length: number) => string;

export const randomCode: PickCode = (length) => Array.from({ length }, () => codeAlphabet[randomInt(codeAlphabet.length)]).join('');
