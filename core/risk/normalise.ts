import { newStemmer } from 'snowball-stemmers';

// One word of a reply, in the forms the concept lexicon compares: plain (folded), squeezed (runs
// of a letter as one: "killll" = "kill" = "kil") and the English and Spanish Snowball stems, so
// "cutting" meets "cut" and "cortarme" meets "corté".
export interface Token { plain: string; squeezed: string; stemEn: string; stemEs: string; soundEs: string; index: number }
export interface Reading { tokens: Token[]; lang: 'en' | 'es' }

const english = newStemmer('english');
const spanish = newStemmer('spanish');

// Lower-case, accents off ("daño" -> "dano"), curly quotes straight, full-width letters plain.
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}/gu, '')
    .replace(/[\u2018\u2019\u201B\u2032\u00B4\u0060\u02BC]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"');
}

// Emoji that stand for a means or for death are read as the word (before anything else strips them).
const EMOJI: ReadonlyArray<[RegExp, string]> = [
  [/\u{1F52B}/gu, ' gun '], [/\u{1FAA2}/gu, ' rope '], [/\u{1F48A}/gu, ' pills '], [/\u{1F52A}/gu, ' knife '],
  [/\u{1FA78}/gu, ' blood '], [/\u26B0|\u{1FAA6}/gu, ' coffin '], [/\u{1F480}|\u2620/gu, ' skull '],
  [/\u{1F489}/gu, ' needle '], [/\u{1F37A}|\u{1F377}|\u{1F943}|\u{1F378}|\u{1F37B}/gu, ' drinks '],
];

// Texting shorthand and slang for self-harm and suicide, spelled out.
const SLANG: ReadonlyArray<[RegExp, string]> = [
  [/\bkms\b/g, 'kill myself'], [/\bkys\b/g, 'kill yourself'], [/\bunaliv(e|ed|ing)( myself| my self)?/g, 'kill myself'], [/\bsewer ?slide/g, 'suicide'],
  [/\bctb\b/g, 'suicide'], [/\bsh'?d\b/g, 'self harmed'], [/\b(on|from|of|with|no|my) sh\b/g, '$1 self harm'], [/\bsh again\b/g, 'self harm again'],
  [/\bod'?d\b|\bodd?ed\b/g, 'overdosed'], [/\bod\b/g, 'overdose'], [/\bcnt\b/g, 'cant'], [/\bcant\b|\bcan'?t\b/g, 'cannot'],
  [/\bwon'?t\b/g, 'will not'], [/\bdon'?t\b|\bdnt\b/g, 'do not'], [/\bwanna\b/g, 'want to'], [/\bgonna\b/g, 'going to'],
  [/\bwhat'?s\b/g, 'what is'], [/\bthat'?s\b/g, 'that is'], [/\bthere'?s\b/g, 'there is'], [/\bhasn'?t\b/g, 'has not'],
  [/\bhe'?s\b/g, 'he is'], [/\bshe'?s\b/g, 'she is'], [/\bthey'?re\b/g, 'they are'], [/\bit'?s\b/g, 'it is'], [/\bi'?m\b/g, 'i am'], [/\bi'?ll\b/g, 'i will'], [/\bi'?ve\b/g, 'i have'], [/\bi'?d\b/g, 'i would'], [/\bu\b/g, 'you'],
  [/\bur\b/g, 'your'], [/\bisn'?t\b/g, 'is not'], [/\baren'?t\b/g, 'are not'], [/\bhaven'?t\b/g, 'have not'],
  [/\bcouldn'?t\b/g, 'could not'], [/\bdidn'?t\b/g, 'did not'], [/\bdoesn'?t\b/g, 'does not'], [/\bwasn'?t\b/g, 'was not'],
  [/\btmrw\b|\btmr\b|\btmw\b/g, 'tomorrow'], [/\btn\b|\btonite\b/g, 'tonight'], [/\bpls\b|\bplz\b/g, 'please'],
  [/\bidk\b/g, 'i do not know'], [/\bbc\b|\bcuz\b|\bcos\b/g, 'because'], [/\bim\b/g, 'i am'], [/\bive\b/g, 'i have'],
  // Ketamine's street names; a lone "k" only after a word that makes it a drug ("a bump of k").
  [/\b(special k|ket|keta|kitty|ketamina)\b/g, 'ketamine'], [/\b(of|some|more|extra|the|own|my|bump|line|lines|de|mas) k\b/g, '$1 ketamine'],
  [/\bq\b/g, 'que'], [/\bxq\b|\bpq\b/g, 'porque'], [/\bporfa\b/g, 'por favor'],
  [/\bmyslef\b|\bmyslf\b|\bmysef\b/g, 'myself'], [/\bmy self\b/g, 'myself'],
];

// Words that mark Spanish; a reply is read as Spanish when it has more of them than of English ones.
const SPANISH = new Set(['me', 'mi', 'yo', 'que', 'no', 'el', 'la', 'los', 'las', 'de', 'en', 'y', 'un', 'una', 'con', 'por', 'para', 'muy',
  'estoy', 'tengo', 'quiero', 'ya', 'se', 'le', 'lo', 'su', 'es', 'esta', 'pero', 'todo', 'nada', 'mas', 'hoy', 'voy', 'siento',
  'he', 'ha', 'toda', 'del', 'al', 'mis', 'sus', 'ni', 'sin', 'noche', 'anoche', 'dia', 'dias', 'mucho', 'bien', 'mal', 'cuando', 'como']);
const ENGLISH = new Set(['i', 'my', 'me', 'the', 'a', 'and', 'is', 'am', 'to', 'of', 'it', 'not', 'he', 'she', 'his', 'her', 'in', 'on',
  'have', 'want', 'feel', 'so', 'but', 'this', 'that', 'just', 'been', 'cannot', 'do', 'all', 'with', 'you']);

export function stemWord(word: string, lang: 'en' | 'es'): string {
  return (lang === 'en' ? english : spanish).stem(word);
}

export const squeeze = (word: string): string => word.replace(/([a-z])\1+/g, '$1');

// Spanish spelled by ear: "pastiyas" is "pastillas", "bomitar" is "vomitar", "aser" is "hacer".
export function soundEs(word: string): string {
  const sound = word.replace(/ll/g, 'y').replace(/v/g, 'b').replace(/z/g, 's').replace(/c([ei])/g, 's$1').replace(/qu/g, 'k')
    .replace(/c/g, 'k').replace(/(^|[^k])h/g, '$1');
  return spanish.stem(squeeze(sound));
}

export function toPlainWords(text: string): string[] {
  let folded = foldText(text);
  for (const [pattern, word] of EMOJI) folded = folded.replace(pattern, word);
  for (const [pattern, words] of SLANG) folded = folded.replace(pattern, words);
  // Digits stay (scores, quantities, readings); everything else outside a-z is a space.
  const plain = folded.replace(/'/g, '').replace(/[^a-z0-9]+/g, ' ').trim();
  // A run of three or more letters is a stretched word: "sooo", "killll", "pleaseee".
  return plain === '' ? [] : plain.split(' ').map((w) => w.replace(/([a-z])\1{2,}/g, '$1$1'));
}

export function readReply(text: string): Reading {
  const words = toPlainWords(text);
  let es = 0;
  let en = 0;
  for (const w of words) {
    if (SPANISH.has(w)) es++;
    if (ENGLISH.has(w)) en++;
  }
  const lang = es > 0 && es >= en ? 'es' : 'en';
  // Spelling by ear is read only in a Spanish reply: in English "boss" would sound like "voces".
  const tokens = words.map((plain, index) => ({ plain, squeezed: squeeze(plain), stemEn: english.stem(plain), stemEs: spanish.stem(plain),
    soundEs: lang === 'es' ? soundEs(plain) : '', index }));
  return { tokens, lang };
}
