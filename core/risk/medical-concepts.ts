import type { ConceptSource } from './lexicon.ts';

// Concepts of medical emergencies and of the after-effects that need a clinician soon.
export const MEDICAL_CONCEPTS = {
  'breath': { en: ['breathe', 'breath', 'breathing', 'air', 'breaths'], es: ['respirar', 'respira', 'respiro', 'aire', 'respiracion'] },
  'difficulty': {
    en: ['cannot', '=not', 'hard', 'trouble', 'struggling', 'struggle', 'barely', 'slow', 'shallow', 'stopped', 'difficulty', 'short',
      'labored', 'laboured', 'weird', 'catch', 'could not', 'hardly', 'gasping', 'times a minute', 'a minute', 'per minute', 'breaths a minute'],
    es: ['muy poquito', 'muy poco', 'apenas', 'cada tanto', '=no', 'cuesta', 'dificultad', 'falta', 'lento', 'despacio', 'raro', 'dejo', 'casi no', 'entra', 'por minuto', 'veces por minuto'],
  },
  'suffocate': {
    en: ['suffocating', 'gasping', 'gurgling', 'wheezing', 'throat closing', 'throat is closing', 'throat feels like its closing', 'choking'],
    es: ['me ahogo', 'ahogando', 'asfixia'],
  },
  'colour': {
    en: ['lips are blue', 'lips blue', 'turning blue', 'going blue', 'is blue', 'lips are turning', 'going grey/gray', 'turning grey/gray',
      'face is grey/gray', 'sweaty and grey', 'purple lips', 'lips turning blue'],
    es: ['labios morados/azules', 'poniendo morado/morada/azul', 'labios azules'],
  },
  'unresponsive': {
    en: ['unresponsive', 'unconscious', 'not responding', 'not waking', 'will not wake', 'cannot wake', 'cannot rouse', 'out cold',
      'not moving', 'will not respond', 'isnt responding', 'is not responding', 'barely conscious', 'stay conscious',
      'not breathing', 'not come to', 'not coming to', 'not come round', 'not come around', 'still out cold',
      'shaking him', 'shaking her', 'no response', 'not reacting', 'will not open his/her/their eyes', 'not opening his/her eyes', 'floppy',
      'gone limp'],
    es: ['inconsciente', 'no despierta', 'no reacciona', 'no responde', 'no puedo despertar', 'no logramos despertar', 'no se levanta',
      'no se mueve', 'no vuelve en si', 'no recupera el conocimiento', 'no ha despertado'],
  },
  'seizure': {
    en: ['seizure', 'seizures', 'seizing', 'convulsing', 'convulsion', 'convulsions', 'had a fit', 'having a fit', 'shaking all over',
      'jerking', 'foaming', 'eyes rolled'],
    es: ['convulsion', 'convulsiones', 'convulsionando', 'espuma en la boca', 'ojos se voltearon', 'se le voltearon', 'ataque epileptico',
      'temblando entero'],
  },
  'collapse': { en: ['collapsed', 'slumped', 'went down', 'blacking out'], es: ['desplomo', 'se cayo'] },
  'chest': { en: ['chest'], es: ['pecho'] },
  'pain': {
    en: ['stabbing', 'squeeze', 'squeezed', 'weight on', 'pain', 'hurts', 'hurt', 'hurting', 'tight', 'tightness', 'pressure', 'heavy', 'crushing', 'ache', 'aches', 'sharp', 'squeezing', 'clutching', 'grabbing'],
    es: ['oprime', 'oprimiendo', 'aprieta', 'apretando', 'pesadez', 'punzada', 'pinchazo', 'estruja', 'dolor', 'duele', 'presion', 'opresion', 'apretado', 'agarrando'],
  },
  'heart-stop': { en: ['stopping', 'stopped', 'stop', 'stops'], es: ['se me para', 'se para', 'se detiene', 'se me detiene', 'se me va'] },
  'heart-attack': { en: ['heart attack'], es: ['infarto', 'ataque al corazon'] },
  'heart': { en: ['heart', 'pulse', 'heartbeat', 'heart rate'], es: ['corazon', 'pulso'] },
  'racing': {
    en: ['racing', 'pounding', 'fast', 'skipping', 'irregular', 'fluttering', 'beating'],
    es: ['late muy rapido', 'acelerado', 'late rapido', 'rapido'],
  },
  'palpitations': { en: ['palpitations', 'heart racing', 'heart is racing', 'heart keeps pounding'], es: ['palpitaciones'] },
  'dizzy': { en: ['dizzy', 'lightheaded', 'faint'], es: ['mareado', 'mareada', 'mareo'] },
  'stroke-part': {
    en: ['face', 'arm', 'leg', 'side', 'smile', 'mouth', 'body', 'speech', 'words'],
    es: ['cara', 'brazo', 'pierna', 'lado', 'boca', 'hablar', 'lengua', 'cuerpo'],
  },
  'stroke-sign': {
    en: ['droop', 'drooping', 'droopy', 'crooked', 'lopsided', 'paralysed', 'paralyzed', 'cannot lift', 'went limp', 'drooped'],
    es: ['caida', 'torcio', 'paralizo', 'no puedo levantar', 'no levanta', 'se me durmio', 'se le paralizo'],
  },
  'stroke-weak': { en: ['numb', 'weak', 'cannot feel', 'cannot move', 'limp'], es: ['debil', 'no siento', 'dormida', 'no puede mover'] },
  'stroke-alone': {
    en: ['slurred', 'slurring', 'cannot talk properly', 'cannot speak properly', 'will not come out right', 'words will not come out',
      'suddenly cannot speak', 'suddenly cannot talk', 'face is drooping', 'face drooping', 'face is droopy'],
    es: ['se me traba la lengua', 'no puede hablar bien', 'de repente no puede hablar', 'se le torcio la boca', 'cara caida', 'arrastrando las palabras',
      'arrastra las palabras', 'arrastro las palabras', 'no se le entiende', 'se le traba la lengua', 'habla raro de repente'],
  },
  'sudden-side': {
    en: ['suddenly', 'one side', 'half', 'left', 'right', 'face', 'speech', 'slurred', 'words'],
    es: ['de repente', 'de golpe', 'un lado', 'mitad', 'izquierdo', 'derecho', 'cara', 'hablar'],
  },
  'sedative': {
    en: ['percs', 'perc', 'percocets', 'xans', 'xannies', 'bars', 'oxys', 'vics', 'xanax', 'alprazolam', 'benzo', 'benzos', 'valium', 'diazepam', 'klonopin', 'clonazepam', 'ativan', 'lorazepam', 'ambien',
      'zolpidem', 'sleeping pills', 'oxy', 'oxycodone', 'oxycontin', 'percocet', 'vicodin', 'hydrocodone', 'fentanyl', 'heroin', 'morphine',
      'codeine', 'tramadol', 'methadone', 'opioid', 'opioids', 'opiate', 'gabapentin', 'pregabalin', 'lyrica', 'ghb', 'pain pills',
      'painkillers'],
    es: ['rivotriles', 'clonas', 'trankimazin', 'orfidal', 'pastillas para dormir', 'clonazepam', 'alprazolam', 'diazepam', 'tramadol', 'morfina', 'fentanilo', 'heroina', 'opioides', 'rivotril'],
  },
  'ketamine': { en: ['ketamine', 'bump', 'bumps', 'lines of', 'line of'], es: ['ketamine', 'raya', 'rayas', 'consumi', 'consumir', 'drogas', 'me drogue'] },
  'more': {
    en: ['extra', 'more', 'another', 'my own', 'on top', 'at home', 'redosed', 'redose', 'again', 'snorted', 'sniffed', 'got home', 'on my own', 'stash'],
    es: ['mas', 'otra', 'en casa', 'de nuevo', 'otra vez', 'un poco mas', 'me =meti', 'por mi cuenta', 'al llegar'],
  },
  'alcohol': {
    en: ['shot', 'tequila shots', 'jagerbombs', 'bevvies', 'cans', 'alcohol', 'drinks', 'drank', 'drunk', 'wasted', 'beer', 'beers', 'wine', 'vodka', 'whiskey', 'tequila', 'rum', 'shots', 'booze',
      'liquor', 'gin', 'pints', 'pint', 'cocktails', 'margaritas'],
    es: ['chupitos', 'chupito', 'birras', 'birra', 'guaro', 'aguardiente', 'pola', 'polas', 'chela', 'alcohol', 'copas', 'cerveza', 'cervezas', 'vino', 'borracho', 'borracha', 'tequila', 'whisky', 'tragos', 'chelas', 'cubatas'],
  },
  'treatment': { en: ['session', 'treatment', 'infusion', 'ketamine', 'spravato', 'meds', 'pills', 'clinic'], es: ['sesion', 'tratamiento', 'ketamina', 'pastillas', 'infusion', 'clinica'] },
  'consumed': { en: ['doing', 'drinking', 'chugged', 'slammed', 'downing', 'pounding', 'took', 'had', 'drank', 'mixed', 'did', 'taken', 'combined', 'used', 'necked', 'popped', 'downed', 'a few'],
    es: ['tomando', 'bebiendo', 'chupando', 'echando', 'nos echamos', 'tome', 'mezcle', 'tomo', 'mezclo', 'fue de copas', 'bebi', 'bebio', 'unos'] },
  'faint': {
    en: ['faint', 'fainted', 'fainting', 'passed out', 'pass out', 'passing out', 'blacked out', 'black out', 'lost consciousness',
      'fell', 'fall', 'falling', 'tripped', 'collapsed', 'went down', 'feinted', 'hit the deck', 'keeled over', 'took a tumble', 'tumble', 'came to'],
    es: ['desmaye', 'desmayo', 'desmayarme', 'desmayado', 'desvaneci', 'me cai', '=cai', 'se cayo', 'perdi el conocimiento', 'me he caido', '=caido', 'me desplome'],
  },
  'perceive': {
    en: ['seeing things', 'hearing things', 'hearing voices', 'voices', 'hallucinating', 'hallucination', 'hallucinations', 'not there',
      'outside my body', 'out of body', 'not real', 'unreal', 'feels fake', 'in a dream', 'like a dream', 'detached', 'disconnected',
      'watching myself', 'still tripping', 'visuals', 'flashbacks', 'walls are moving', 'melting', 'shadows', 'whispers',
      'do not feel like mine', 'people who are not there', 'hearing music', 'seeing patterns', 'trails', 'like a ghost', 'my own hands',
      'not in my body'],
    es: ['viendo cosas', 'escuchando voces', 'voces', 'alucinando', 'alucinaciones', 'fuera de mi cuerpo', 'irreal', 'no es real',
      'no soy real', 'en un sueno', 'sombras', 'musica que no existe', 'cosas que no estan', 'veo colores', 'formas raras', 'colores raros',
      'veo formas', 'todavia veo', 'sigo viendo'],
  },
  'urine': {
    en: ['pee', 'peeing', 'urine', 'urinate', 'urinating', 'urination', 'wee', 'bladder', 'bathroom', 'toilet', 'piss', 'pissing'],
    es: ['orina', 'orinar', 'orino', 'pipi', '=pis', 'hacer pis', 'mear', '=meo', 'vejiga', 'bano'],
  },
  'urine-problem': {
    en: ['on fire', 'fire', 'clots', 'clot', 'agony', 'stabbing', 'drops', 'dribbles', 'scalding', 'pain', 'hurts', 'burn', 'burning', 'burns', 'sting', 'stings', 'blood', 'bloody', 'pink', 'red', 'brown', 'hold', 'urge',
      'urgency', 'every', 'barely', 'constant', 'needing', 'minutes'],
    es: ['fuego', 'coagulos', 'coagulo', 'gotas', 'gotitas', 'quema', 'me quema', 'arde', 'ardor', 'duele', 'dolor', 'sangre', 'rosada', 'roja', 'cada', 'cuesta', 'aguanto', 'cada rato', 'a cada rato'],
  },
  'urine-own': {
    en: ['few drops', 'only a few drops', 'only dribbles', 'dribbling', 'have to go constantly', 'need to go constantly', 'need to go all the time', 'going every ten minutes', 'blood clots', 'clots in the toilet', 'cystitis', 'lower belly', 'lower abdomen', 'lower abdominal', 'wet myself', 'peeing blood', 'bladder pain'],
    es: ['unas gotas', 'solo unas gotas', 'cuatro gotas', 'coagulos', 'tengo que ir al bano a cada rato', 'ir al bano cada rato', 'cistitis', 'me arde al ir al bano', 'bajo vientre', 'parte baja del vientre', 'me duele la vejiga'],
  },
  'vomit': {
    en: ['been sick', 'sick again', 'keep being sick', 'was sick', 'got sick times', 'sick times', 'vomit', 'vomiting', 'vomited', 'vomitting', 'throw up', 'throwing up', 'threw up', 'puke', 'puking', 'puked', 'being sick',
      'keep anything down', 'keep water down', 'keep food down', 'barf', 'barfing', 'barfed', 'thrown up', 'hurling', 'sick all night'],
    es: ['he devuelto', 'devolvi', 'he vomitado', 'echado la pota', 'vomite', 'vomito', 'vomitos', 'vomitar', 'vomitando', 'vomite', 'vomitado', 'no retengo', 'devuelvo', 'devolviendo', 'devolvi', 'devolver todo',
      'hasta el agua', 'no me queda nada en el estomago', 'la pota', 'echando la pota', 'arrojando'],
  },
  // A count of times sick: "sick 6 times since lunch", "he devuelto 5 veces".
  'sick-word': { en: ['sick', 'vomited', 'threw up'], es: ['vomitado', 'devuelto', 'vomite', 'devolvi'] },
  'times-count': { en: ['times', 'x'], es: ['veces'] },
  'headache': { en: ['headache', 'migraine', 'head'], es: ['dolor de cabeza', 'cabeza', 'migrana'] },
  'severe': {
    en: ['worst', 'severe', 'splitting', 'pounding', 'terrible', 'horrible', 'excruciating', 'so bad', 'unbearable', '10/10', 'will not go away',
      'getting worse', 'sudden', 'crying', 'killing', 'nothing helps', 'so much', 'really bad', 'extremely', 'through the roof', 'cannot function',
      'cannot see', 'insane', 'explode', 'exploding', 'cannot open my eyes', 'blinding'],
    es: ['muy fuerte', 'peor', 'muchisimo', 'muchisima', 'explotar', 'no se quita', 'insoportable', 'horrible', 'terrible', 'por las nubes'],
  },
  'mild': { en: ['slight', 'slightly', 'mild', 'a bit', 'little', 'tiny', 'kinda', 'bit of'], es: ['un poco', 'leve', 'algo', 'poquito'] },
  'blood-pressure': { en: ['blood pressure', '=bp', 'pressure reading'], es: ['presion', 'tension'] },
  'high': { en: ['high', 'through the roof', 'very high', 'really high'], es: ['alta', 'por las nubes', 'muy alta'] },
  'panic': {
    en: ['panic', 'panicking', 'panic attack', 'freaking out', 'terrified', 'paranoid', 'losing my mind', 'cannot calm down', 'so scared'],
    es: ['panico', 'volviendo loca/loco', 'angustiada', 'angustiado', 'crisis de ansiedad', 'no puedo calmarme', 'mucho miedo'],
  },
  'anxiety': { en: ['anxiety', 'anxious'], es: ['ansiedad', 'ansiosa', 'ansioso'] },
  'sleep-loss': {
    en: ['not slept', 'no sleep', 'cannot sleep', 'zero sleep', 'awake for', 'insomnia', 'not sleep at all', 'day awake', 'days awake', 'slept a wink', 'up all night again',
      'awake since', 'barely any sleep', 'barely slept', 'hardly slept', 'cannot turn my brain off'],
    es: ['no he dormido', 'sin dormir', 'no duermo', 'no puedo dormir', 'no he podido dormir', 'insomnio', 'horas despierta/despierto', 'no pego ojo',
      'no pegue ojo', 'no he pegado ojo', 'sin pegar ojo', 'en vela', 'desvelada', 'desvelado'],
  },
  'relapse': {
    en: ['relapse', 'relapsed', 'craving', 'cravings', 'crave', 'withdrawal', 'withdrawals', 'broke my sobriety', 'want to use',
      'thinking about using', 'urge to use', 'want to use so bad'],
    es: ['recai', 'recaida', 'ansias', 'ganas de consumir', 'abstinencia', 'pensar en consumir', 'ganas de meterme', 'ganas tremendas', 'ganas de drogarme',
      'ganas de usar', 'me muero por consumir', 'el mono', 'tengo mono', 'sindrome de abstinencia'],
  },
  'use-again': {
    en: ['a gram', 'grabbed a bag', 'copped', 'got a g', 'bought a g', 'scored a gram', 'picked up a bag', 'used again', 'using again', 'used', 'picked up', 'bought some', 'bump', 'drank again', 'drinking again', 'had a drink',
      'smoked', 'caved', 'slipped', 'went back to', 'started drinking', 'did a line', 'did some', 'did a couple', 'ketamine', 'bought a bag', 'bought some', 'scored some',
      'picked some up', 'got hold of some'],
    es: ['me pille', 'pille', 'un gramo', 'medio gramo', 'pillar', 'me fui a pillar', 'me meti una raya', 'compre un gramo', 'pille algo', 'volvi a consumir', 'volvi a tomar', 'volvi a beber', 'compre otra vez', 'consumi', 'me =meti', 'ketamine', 'compre una bolsa', 'consegui'],
  },
} satisfies Record<string, ConceptSource>;
