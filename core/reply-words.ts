// Keywords and score words classifyReply reads, as data (English and Spanish).
//
// CRISIS_PHRASES and SYMPTOM_PHRASES are the phrase lists the service began with; the risk model
// (core/risk/) keeps them as a floor, word for word (core/risk/known-phrases.ts), so a reply they
// caught is still caught. Syntax: words separated by spaces; `a/b` means either word; `~` marked a
// word that may carry a typo (the risk model's lexicon allows typos on long words itself). A
// negation does not cancel a match ("not suicidal"): a false alarm costs a call, a miss can cost
// a life.

// Whole-message keywords. Twilio's default opt-out set for long codes
// (https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out).
export const OPT_OUT_KEYWORDS = ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke'] as const;
// Spanish opt-outs are ours, not Twilio's: Twilio does not block on them, so the service's own
// consent record must (FCC 2025 revocation rule: honour any reasonable way of saying stop).
export const OPT_OUT_KEYWORDS_ES = ['parar', 'para', 'alto', 'baja', 'cancelar'] as const;
// "yes" opts in only as the whole message, as in Twilio's opt-in set.
export const OPT_IN_KEYWORDS = ['start', 'unstop', 'yes'] as const;
export const HELP_KEYWORDS = ['help', 'info', 'ayuda'] as const;

export const CRISIS_PHRASES: readonly string[] = [
  // suicide and wanting to die
  'suicide~', 'suicidal~', 'suicidial', 'sucidal', 'sucide', 'sewerslide', 'unalive',
  'kms', 'kill/killing/killed myself~', 'kill/killing my self',
  'end/ending/ended/take/taking my life', 'end/ending it all', 'want/wanna/going/gonna to end it',
  'wanna end it', 'want it all to end',
  'want/wanna/wish/ready/deserve to die', 'wanna die', 'want to be dead', 'rather be dead', 'rather die',
  'wish i was/were dead', 'wish i could die', 'wish i wasnt/werent alive/here/born',
  'better off dead', 'better off without me', 'should just die', 'like/think im/i dying',
  "don't/not want to live/exist", 'dont/not want to be alive/here', 'dont/not wanna live/exist',
  'no reason to live', 'nothing to live for', 'not worth living', 'dont/not want to wake up',
  // self-harm
  'hurt/hurting/harm/harming/cut/cutting myself~', 'hurt/harm/cut my self', 'self harm/harming/injury',
  'cutting again', 'started/been cutting', 'cut/cutting/slit/slash my wrist/wrists/arm/arms/legs/thighs/skin',
  // overdose
  'overdose~', 'overdosed~', 'overdosing~', 'took too many', 'too many pills', 'took all my pills',
  'took a bunch of pills', 'bottle of pills', 'took too much ketamine/medication/meds/medicine',
  // breathing
  "can't/cannot/cnt/couldn't/cant breathe~/breath~/breathing~", 'not breathe~/breath~/breathing~',
  'hard/trouble/difficulty/struggling to breathe~', 'trouble/difficulty/problems breathing~',
  'short/shortness of breath~', 'stopped breathing~', 'gasping for air', "can't get air",
  "can't catch my breath~",
  // heart and chest
  'chest pain/pains/hurts/hurting/tight/tightness/pressure/ache/aches',
  'pain/pressure/tightness/tight in my/the chest', 'tight chest',
  'chest feels/felt/is/was/getting tight/heavy/tighter/crushing', 'heart attack',
  // seizure, unconscious
  'seizure~', 'seizures~', 'seizing', 'convulsing', 'convulsion~', 'convulsions~',
  'unconscious~', 'unresponsive~', 'not waking', "won't wake up", "can't wake him/her/them/up",
  // Spanish
  'suicidio~', 'suicida', 'suicidarme~', 'suicidar~', 'quiero/quisiera/prefiero morir/morirme',
  'ganas de morir/morirme', 'mejor muerto/muerta', 'estar muerto/muerta', 'matarme', 'me voy a matar',
  'me quiero matar', 'quitarme la vida', 'acabar/terminar con mi vida', 'acabar con todo',
  'creo/siento que me muero', 'no quiero vivir', 'no quiero seguir viviendo', 'no quiero estar vivo/viva', 'no vale la pena vivir',
  'hacerme daño', 'me hice daño', 'lastimarme', 'volví a cortarme',
  'cortarme/corto/corté/cortando/cortado las/los/mis venas/muñecas/brazos/piernas',
  'autolesión~', 'autolesiones~', 'autolesionarme~', 'sobredosis~', 'demasiadas pastillas',
  'todas las pastillas', 'no puedo respirar~', 'me falta el aire', 'falta de aire', 'dificultad para respirar~',
  'no respira~', 'me ahogo', 'dolor/presión/opresión en el pecho', 'dolor de pecho', 'me duele el pecho',
  'infarto', 'ataque al corazón', 'convulsión~', 'convulsiones~', 'convulsionando~', 'ataque epiléptico',
  'inconsciente~', 'no despierta', 'no reacciona',
];

// Serious after-effects named in words: an attention escalation. Mild ones (tired, a bit
// nauseous, a slight headache, spacey) are deliberately absent.
export const SYMPTOM_PHRASES: readonly string[] = [
  'faint', 'fainted', 'fainting', 'passed/passing out', 'passes out', 'blacked out', 'blacking out',
  'lost consciousness', 'collapsed',
  'hallucinating~', 'hallucinations~', 'hallucination~', 'hallucinate~', 'still seeing/hearing things',
  "seeing/hearing things that aren't/arent/are not there", 'hearing voices', 'still tripping',
  'blood in urine/pee/piss', 'blood in my urine/pee/piss', 'bloody urine/pee', 'peeing/pissing/urinating blood',
  'blood when i pee', 'painful urination~', 'pain/hurts/burns/burning/stings when/to pee/peeing/urinate/urinating',
  "can't/cannot pee/urinate", 'bladder pain', 'pee is red/pink/brown',
  'severe vomiting~', "can't stop throwing up/vomiting~/puking", 'keep/keeps/still throwing up',
  'keep/keeps/still vomiting~/puking', 'been vomiting~/puking', 'been throwing up',
  'vomiting~/puking all night/day', 'throwing up all night/day', 'vomiting~/throwing up blood',
  'confusion~', 'still confused', 'very/really/so confused', 'disoriented~', "can't think straight",
  "don't know where i am",
  'racing heart', 'heart racing/pounding', 'heart is racing/pounding', 'pounding heart',
  'heart beating fast/so/really/too', 'palpitations~', "heart won't slow down",
  'high blood pressure', 'blood pressure is high/very/really/through', 'bp is high/very/really', 'high bp',
  'severe/worst/terrible/horrible/awful/excruciating/splitting/pounding headache',
  'really/very bad headache', "headache won't go away", 'slurred speech', 'double vision',
  // Spanish
  'me desmayé', 'desmayo', 'desmayos', 'desmayarme', 'me desmayo', 'me desmaye',
  'alucinaciones~', 'alucinando~', 'sigo viendo/oyendo/escuchando cosas', 'oigo/escucho voces',
  'sangre en la orina', 'sangre al orinar', 'orina con sangre', 'dolor/ardor al orinar',
  'me arde/duele al orinar', 'no puedo orinar', 'vómitos~', 'no paro de vomitar', 'no puedo dejar de vomitar',
  'sigo vomitando~', 'vomitando mucho', 'confusión~', 'muy/sigo confundido/confundida', 'desorientado/desorientada',
  'corazón acelerado', 'corazón me late muy/rápido', 'taquicardia', 'palpitaciones~',
  'presión muy alta', 'presión alta', 'dolor de cabeza fuerte/severo/terrible/insoportable',
  'fuerte dolor de cabeza',
];

// Real words one typo away from a `~` word; never treat them as that typo.
export const FUZZY_EXCLUSIONS: readonly string[] = ['overdone', 'seized', 'confesion', 'breadth'];

// Ratings written as words. "un"/"una" are left out: they mostly mean "a".
export const NUMBER_WORDS: Readonly<Record<string, 1 | 2 | 3 | 4 | 5>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5,
  uno: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5,
};

// Words that may come before a rating at the start of a reply ("im a 4", "maybe a 3", "hoy un 2").
export const SCORE_LEAD_WORDS: readonly string[] = [
  'i', 'im', 'am', 'a', 'an', 'at', 'its', 'it', 'is', 'id', 'say', 'would', 'guess', 'maybe', 'probably',
  'prob', 'about', 'around', 'like', 'honestly', 'feeling', 'feel', 'felt', 'doing', 'today', 'tonight',
  'now', 'currently', 'overall', 'ok', 'okay', 'um', 'uh', 'hmm', 'hm', 'so', 'well', 'yeah', 'hi', 'hey',
  'hello', 'rating', 'rate', 'score', 'number', 'solid', 'give', 'thanks',
  'yo', 'soy', 'un', 'una', 'estoy', 'en', 'me', 'siento', 'como', 'diria', 'daria', 'doy', 'hoy', 'creo',
  'que', 'hola', 'pues', 'bueno', 'tal', 'vez', 'quizas', 'numero', 'es', 'gracias',
];

// A number right after one of these, anywhere in the reply, reads as the rating ("feeling ok, maybe a 3").
export const SCORE_CUE_WORDS: readonly string[] = [
  'a', 'an', 'im', 'say', 'rate', 'rating', 'score', 'number', 'like', 'maybe', 'probably', 'feeling',
  'solid', 'give', 'un', 'una', 'en', 'diria', 'daria', 'doy', 'numero',
];

// A number before one of these is a quantity or a time, not a rating ("2 hours", "3 pm").
export const QUANTITY_WORDS: readonly string[] = [
  'am', 'pm', 'oclock', 'hour', 'hours', 'hr', 'hrs', 'min', 'mins', 'minute', 'minutes', 'day', 'days',
  'week', 'weeks', 'month', 'months', 'year', 'years', 'yrs', 'time', 'times', 'pill', 'pills', 'mg', 'ml',
  'cups', 'drinks', 'glasses', 'naps', 'questions', 'people', 'kids',
  'hora', 'horas', 'minutos', 'dia', 'dias', 'semana', 'semanas', 'mes', 'meses', 'ano', 'anos', 'veces',
  'pastillas', 'vasos',
];

// A number after one of these, at the end of a reply, is a time ("see you at 2").
export const TIME_WORDS: readonly string[] = ['at', 'by', 'until', 'till', 'til', 'before', 'after', 'from', 'to', 'las', 'room', 'day'];

// Words that may follow a rating at the end of a reply ("a two today", "5 stars", "three i guess").
export const SCORE_TRAIL_WORDS: readonly string[] = [
  'today', 'tonight', 'now', 'i', 'guess', 'think', 'maybe', 'honestly', 'ok', 'okay', 'thanks', 'thank', 'you',
  'stars', 'star', 'hoy', 'creo', 'gracias', 'ya', 'estrellas',
  'good', 'fine', 'great', 'bad', 'rough', 'meh', 'bien', 'muy', 'mal', 'regular', 'tbh', 'ngl', 'lol', 'jaja', 'day', 'la', 'verdad',
];
