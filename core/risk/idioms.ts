import type { ConceptSource } from './lexicon.ts';

// Hyperbole with no self-directed harm: its words are set aside before the rules read a reply, so
// they raise nothing, while any other risk cue in the same reply still counts ("that workout killed
// me" is nothing; "that workout killed me, I want to die" is urgent).
export const IDIOMS = {
  'idiom': {
    en: ['kill for', 'would kill for', 'could murder', 'would murder', 'murder a', 'fell through', 'fall through', 'fell behind',
      'fell apart laughing', 'killed myself at the gym', 'killed myself working out', 'sin consumir', 'no cravings', 'no craving', 'without using',
      'not used', 'have not used', 'still clean', 'staying clean', 'jump in the lake/pool/water/river/ocean/sea', 'jumped in the lake/pool/water',
      'knife for the kitchen', 'new knife', 'kitchen knife', 'knife set', 'bread knife', 'steak knife', 'disappear for a while',
      'disappear for the weekend', 'disappear for a few days',
      'heart stopped when', 'heart skipped a beat', 'gave me a heart attack', 'voice to text', 'almost had a heart attack when', 'nearly had a heart attack when', 'pills left',
      'tablets left', 'need a refill', 'ran out of', 'run out of', 'continue the treatment', 'stop the treatment', 'dying to', 'died laughing', 'dying laughing', 'nearly died', 'killing it',
      'killing time', 'is killing me', 'are killing me', 'killed me', 'killing me', 'kill me if', 'going to kill me', 'death of me',
      'to death', 'to die for', 'full i could die', 'i am dead skull', 'dead skull', 'dead tired', 'drop dead', 'dying my hair', 'dyeing', 'skull',
      'phone died', 'phone is dead', 'battery', 'car died', 'laptop', 'wifi is dead', 'plants died', 'tv died', 'died on the way',
      'my phone', 'hair cut', 'haircut', 'cut back', 'cut the grass', 'cut the lawn', 'cutting onions', 'cut my hair', 'cut my nails',
      'cut the cake', 'cut the call', 'cut out', 'hanging in there', 'hung out', 'hang out', 'hanging out', 'jump rope', 'jumped on a call',
      'jump on a call', 'flu shot', 'shot of espresso', 'shooting for', 'deep breath', 'breathing exercises', 'breathing exercise',
      'chest of drawers', 'heart is full', 'stroke of luck', 'crashed at', 'crashed early', 'laptop crashed', 'overdosed on chocolate/candy/sugar/coffee/cake/netflix/pizza/sweets/caffeine/tv/cookies', 'feeling blue', 'fell asleep', 'fall asleep', 'falling asleep', 'fell in love', 'gun show', 'knife skills',
      'drowning in', 'buried in', 'driving me crazy', 'traffic was murder', 'the movie', 'so sad i died', 'dead inside lol',
      'bored to death', 'are dying', 'could sleep forever', 'calor me mata', 'scared to death', 'the wifi', 'my battery', 'lol that', 'killing time', 'what a killer', 'killer workout'],
    es: ['me muero de', 'me muero por', 'muerto de', 'muerta de', '=me =mata el/la/los/las/ese/esa', '=me =matan los/las/el/la',
      'me mato de risa', 'me esta matando', 'me va a matar', 'se murio el/la', 'se murieron', 'se me murio', 'se me murieron',
      'cortar/cortarme/corte/corto el pelo', 'cortar/cortarme/corte/corto las unas', 'corte/cortar el pasto', 'cortarme el cabello', 'salte la cuerda', 'saltar la cuerda',
      'me ahogo en', 'de emocion', 'respire profundo', 'me quede dormida/dormido', 'estoy que me muero de', 'muero de ganas',
      'me muero de ganas', 'hambre/sueno/calor/frio/cansancio que me muero', '=me =mate en el gym/gimnasio/trabajo', '=me =mate trabajando/estudiando/entrenando/corriendo',
      '=me =mato en el gym/gimnasio', 'sin recaidas', 'sin ganas de consumir', 'sigo limpio/limpia', 'seguir con el tratamiento', 'seguir con las sesiones',
      'seguir con la terapia', 'pastillas que me quedan', 'me quedan', 'calor me mata', '=me =mata', '=me =matan', 'muertos de risa', 'muerta de risa', 'muerto de risa'],
  },
} satisfies Record<string, ConceptSource>;

// Things that "die" or are "dead" in everyday speech: a death word right after one is about the thing.
export const THINGS = {
  'thing': {
    en: ['phone', 'battery', 'laptop', 'car', 'plant', 'plants', 'wifi', 'tv', 'computer', 'printer', 'internet', 'charger', 'engine',
      'flowers', 'garden', 'conversation', 'party', 'town', 'headphones', 'tablet', 'ipad', 'iphone', 'earbuds', 'airpods',
      'speaker', 'tomatoes', 'lawn', 'group chat'],
    es: ['celular', 'telefono', 'bateria', 'compu', 'computadora', 'carro', 'coche', 'planta', 'plantas', 'flores', 'internet', 'tele', 'cargador'],
  },
} satisfies Record<string, ConceptSource>;
