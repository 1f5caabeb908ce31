import { toPlainWords } from './normalise.ts';

// Stop in plain words (FCC 2024 revocation rule: consent may be revoked "by any reasonable
// means"). A sentence asks to stop when it names the messages, the list or the sender; a bare
// "please stop" counts as a whole message. A request to change when or how we write ("stop
// sending at night", "text me after 9am") is a request for staff, not an opt-out.
const PATTERNS: readonly RegExp[] = [
  /\b(stop|quit|cease|no more|do not|dont|never)\b.{0,20}\b(text|texts|texting|message|messages|messaging|msgs|sms|contact|contacting|sending|send|writing|emailing|emails|reminders|check ins?|checkins?)\b/,
  /\b(take|remove|delete|drop)\b.{0,12}\b(me|my number|my name)\b.{0,12}\b(off|from)\b/, /\b(take|remove) my number\b/,
  /\bunsubscribe me\b/, /\b(opt|opting) (me )?out\b/, /\bremove me\b/, /\bleave me alone\b.*\b(text|message)/,
  /\b(do not|dont|no longer) want (these|your|any|the|to receive|to get)\b.{0,20}\b(texts|messages|reminders|sms)\b/,
  /\bno longer (want|wish) to receive\b/, /\b(stop|quit) receiving\b/, /\b(enough|basta)\b.{0,15}\b(texts?|messages?|mensajes|textos)\b/,
  /^(por favor )?(saquenme|quitenme|sacame|quitame|borrenme)\b/, /\b(saquenme|quitenme|borrenme) de (esta|la|sus|esa) lista\b/,
  /\b(dejen|deja|dejar|paren|para) de (escribir|mandar|enviar|contactar|textear)/, /\bya no (me )?(manden|envien|escriban|contacten|quiero (estos|recibir))\b/,
  /\bno (me )?(manden|envien|escriban) (mas|ningun)/, /\bno (quiero )?(recibir )?mas mensajes\b/, /\bno mas (mensajes|textos)\b/,
  /\b(saquenme|sacame|borren|borrar|eliminen|borrenme|borrame|quitenme|eliminenme|sacarme|quitarme) (de la lista|mi numero|de sus listas)\b/, /\bdarme de baja\b/, /\bdenme de baja\b/,
];
const ALONE = /^(please |pls |por favor )?(stop|para|paren|basta)( please| now| it| por favor| ya)*$/;
const CHANGE = /\b(at night|before|after|until|early|so early|late|weekends?|mornings?|in the morning|in spanish|in english|on sundays|de noche|en la noche|temprano|tan temprano|en ingles|en espanol|fines de semana)\b/;

// Back on in plain words, the way out's mirror: "start again please", "quiero volver a recibir los mensajes".
const START_PATTERNS: readonly RegExp[] = [
  /^(please )?(start|unstop|resume|restart)( again| please| the| my| texts| messages| texting| me| sending)*$/,
  /\b(start|resume) (texting|messaging|sending) (me )?(again|texts|messages)\b/, /\bopt (me )?(back )?in\b/,
  /\bvolver a recibir (los |sus )?(mensajes|textos|avisos)\b/, /\breactivar (los )?(avisos|notificaciones)\b/, /\b(mandenme|envienme|pueden mandarme|vuelvan a mandarme) (los |sus )?(mensajes|textos)/, /\breactivar (los )?(mensajes|textos)\b/,
  /\b(quiero|pueden) (volver a )?recibir (los |sus )?(mensajes|textos)( otra vez| de nuevo)?$/,
];
export function asksToStart(text: string): boolean {
  const plain = toPlainWords(text).join(' ');
  if (CHANGE.test(plain)) return false;
  return START_PATTERNS.some((p) => p.test(plain));
}

export function asksToStop(text: string): boolean {
  const plain = toPlainWords(text).join(' ');
  if (ALONE.test(plain)) return true;
  if (CHANGE.test(plain)) return false;
  return PATTERNS.some((p) => p.test(plain));
}
