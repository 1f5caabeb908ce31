import type { ConceptSource } from './lexicon.ts';

// Concepts of suicide and self-harm (C-SSRS levels), and of who is speaking. Entry syntax: lexicon.ts.
export const SUICIDE_CONCEPTS = {
  'self': {
    en: ['=i', '=me', '=my', '=myself', '=mine'],
    es: ['=me', '=mi', '=yo', '=estoy', '=tengo', '=siento', '=puedo', '=quiero', '=voy', '=paro', '=pienso', '=creo', '=necesito', '=hice'],
  },
  'other': {
    en: ['=he', '=she', '=him', '=his', '=her', '=himself', '=herself', 'son', 'daughter', 'husband', 'wife', 'partner',
      'boyfriend', 'girlfriend', 'mom', 'mum', 'mother', '=dad', 'father', 'brother', 'sister', '=friend', '=kid', '=child',
      'grandma', 'grandpa', 'escort', '=ride', '=patient', '=fiance', '=fella', '=bloke'],
    es: ['=ella', '=su', 'hijo', 'hija', 'esposo', 'esposa', 'marido', 'mama', 'papa', 'madre', 'padre',
      'hermano', 'hermana', 'novio', 'novia', 'pareja', 'abuelo', 'abuela', 'se =tomo', 'se =corto'],
  },
  // Spanish names the person in the verb: "no respira", "se desmayó", "no lo puedo despertar".
  'other-verb': {
    en: [],
    es: ['=respira', '=despierta', '=reacciona', '=responde', '=recupera', '=puede', '=tiene', '=sigue', '=habla', 'le duele', 'le cuesta', 'se le',
      'le esta', 'le dio', 'esta inconsciente', 'esta convulsionando', 'esta temblando', 'se esta poniendo', 'se desmayo', 'se cayo', 'se desplomo',
      'no =despierta', 'no =reacciona', '=lo =puedo', '=la =puedo', 'se esta'],
  },
  'suicide': {
    en: ['suicide', 'suicidal', 'sucide', 'suicidial', 'take my own life', 'take/taking/took my life', 'end/ending/ended my life',
      'end/ending it all', 'end/ending things', 'commit suicide', 'off myself', 'kill/killing/killed myself', 'hang/hanging/hanged myself',
      'kill himself/herself', 'want/going to end it', 'end myself', 'take myself out', 'do myself in', 'log off permanently', 'check out for good', 'thinking about ending it', 'feel like ending it', 'attempted suicide'],
    es: ['suicidio', 'suicida', 'suicidas', 'suicidarme', 'suicidar', '=matarme', 'me =mato', '=me =mate', 'me voy a matar', 'me quiero matar',
      'quitarme la vida', 'acabar/terminar con mi vida', 'acabar/terminar con todo', 'ahorcarme', 'me ahorco', 'matarse', 'se quiere matar', 'quitarme del medio', 'quitarme de en medio', 'acabar conmigo',
      'terminar conmigo', '=colgarme', 'me =colgue', 'colgarse'],
  },
  'death-wish': {
    en: ['want/wanna/wish/ready/deserve to die', 'want to be dead', 'wish i was/were dead', 'rather be dead', 'rather die', 'better off dead',
      'better off without me', 'better without me', 'happier if i was/were not here', 'not want to live/exist', 'not want to be alive/here/around',
      'not want to be here anymore', 'not wake up', 'never wake up', 'not to wake', 'stop existing', 'tired of existing', 'want to not exist',
      'rather not exist', 'not exist anymore', 'want to disappear', 'just disappear', 'could disappear', 'want to vanish', 'fade away',
      'never been born', 'never born', 'was not born', 'nothing to live for', 'no reason to live', 'no reason to keep going', 'not worth living',
      'life is not worth', 'life isnt worth', 'done with life', 'sleep forever', 'go to sleep and never', 'not be around anymore',
      'would not notice if i was gone', 'notice if i was gone', 'if i died', 'want to die', 'wish i could die', 'want it all to stop',
      'want it to end', 'no point in living', 'no point going on', 'no point living', 'want to stop existing'],
    es: ['quiero/quisiera/deseo/prefiero morir', 'quiero/quisiera/deseo morirme', 'ganas de morir/morirme', 'mejor muerto/muerta',
      'estaria muerto/muerta', 'no quiero vivir', 'no quiero seguir', 'no quiero estar aqui', 'no despertar', 'no despertara',
      'ya no despertar', 'desaparecer', 'no =existir', 'no tengo futuro', 'no veo futuro', 'no vale la pena seguir/vivir',
      'no le veo sentido', 'no le encuentro sentido', 'no hubiera nacido', 'dormir para siempre', 'cansado/cansada de vivir',
      'harto/harta de existir/vivir', 'igual vivir o morir', 'no tengo ganas de vivir', 'si me muero', 'estar muerto/muerta',
      'mejor sin mi', 'quiero morir', 'no =existiera', 'no =existiese', 'dejar de existir', 'ojala me muriera', 'ojala me muera',
      'no despierte', 'ojala no despierte', 'ya no estar', 'seria mas facil sin mi'],
  },
  'despair': {
    en: ['burden', 'hopeless', 'worthless', 'no future', 'no way out', 'no point', 'cannot go on', 'cannot do this anymore',
      'give up on everything', 'what is the point', 'whats the point', 'done with everything', 'no one would care', 'nobody would care',
      'nobody would even notice', 'so done'],
    es: ['carga', 'sin esperanza', 'no tiene sentido', 'sin sentido', 'no aguanto mas', 'ya no puedo mas', 'a nadie le importa'],
  },
  'forever': { en: ['permanently', 'forever', 'for good', 'never come back'], es: ['para siempre', 'nunca volver'] },
  'kill-verb': { en: ['kill', 'murder'], es: ['matar', 'mato'] },
  'die-verb': { en: ['die', 'dead', 'death', 'dying', 'gone'], es: ['morir', 'morirme', 'muerto', 'muerta', 'muerte', 'muero'] },
  'harm-verb': {
    en: ['cut', 'cutting', 'slit', 'slash', 'burn', 'burned', 'hurt', 'harm', 'harmed', 'hit', 'punch', 'punched', 'bruised', 'scratch', 'scratching', 'carve',
      'carved', 'bleed', 'bleeding', 'self harm', 'self harming', 'self harmed', 'self injury'],
    es: ['cortar', 'corte', 'cortes', 'cortando', 'lastimar', 'lastimando', 'lastime', 'hacerme dano', 'me hice dano', 'me hago dano',
      'autolesion', 'autolesiones', 'autolesione', 'autolesionarme', 'quemar', 'queme', 'rasguno', 'sangrar', 'sangran'],
  },
  'reflexive': { en: ['=myself'], es: ['=me', '=conmigo', 'mi =mismo', 'mi =misma'] },
  'body-site': {
    en: ['wrist', 'wrists', 'arm', 'arms', 'thigh', 'thighs', 'leg', 'legs', 'skin', 'vein', 'veins', 'stomach'],
    es: ['muneca', 'munecas', 'vena', 'venas', 'brazo', 'brazos', 'pierna', 'piernas', 'piel'],
  },
  'again': { en: ['again', 'relapsed', 'relapse', 'started', 'keep', 'been'], es: ['otra vez', 'volvi', 'de nuevo', 'otra', 'estado'] },
  'means-weapon': {
    en: ['rope', 'noose', 'ligature', 'gun', 'pistol', 'rifle', 'firearm', 'shotgun', 'bullet', 'bullets', 'knife', 'blade', 'blades',
      'razor', 'bleach', 'poison', 'antifreeze', 'coffin'],
    es: ['cuerda', 'soga', 'pistola', 'arma', 'cuchillo', 'navaja', 'cuchilla', 'cloro', 'veneno'],
  },
  'means-height': {
    en: ['bridge', 'roof', 'rooftop', 'ledge', 'balcony', 'cliff', 'train tracks', 'tracks', 'train', 'parking garage', 'highway',
      'floor', 'wall', 'building', 'car', 'traffic', 'edge', 'overpass', 'beam', 'rafter', 'ceiling fan'],
    es: ['puente', 'azotea', 'techo', 'edificio', 'vias del tren', 'tren', 'ventana', 'carro', 'coche', 'viga', 'barandal'],
  },
  'means-drug': {
    en: ['pills', 'tablets', 'tylenol', 'paracetamol', 'acetaminophen', 'sleeping pills', 'meds', 'medication', 'lethal dose', 'advil',
      'ibuprofen', 'insulin', 'trazodone', 'sertraline', 'lexapro', 'prozac', 'seroquel', 'quetiapine', 'lithium', 'zoloft', 'wellbutrin',
      'lamictal', 'benadryl', 'nyquil', 'amitriptyline', 'antidepressants'],
    es: ['pastillas', 'frasco', 'medicamentos', 'medicinas', 'paracetamol', 'tabletas'],
  },
  'overdose': {
    en: ['overdose', 'overdosed', 'overdosing', 'took too many', 'took too much', 'took way too much', 'lethal dose', 'what is the lethal'],
    es: ['sobredosis', 'tome demasiadas', 'demasiadas pastillas'],
  },
  'dying-now': {
    en: ['think i am dying', 'feel like i am dying', 'i am dying', 'going to die'],
    es: ['siento que me muero', 'creo que me muero', 'me estoy muriendo', 'me voy a morir'],
  },
  'cut-verb': {
    en: ['cut', 'cutting', 'cuttin', 'slit', 'slash', 'carve', 'carved', 'scratch', 'scratching', 'self harm', 'self harming', 'self harmed'],
    es: ['cortar', 'cortarme', 'corte', 'cortes', 'cortando', 'lastimar', 'lastimando', 'autolesion', 'autolesione', 'autolesiones'],
  },
  'self-harm': {
    en: ['self harm', 'self harming', 'self harmed', 'self injury', 'hurt myself', 'harm myself', 'hurting myself', 'harmed myself',
      'cut to cope', 'until i bleed', 'until i bled', 'until it bleeds', 'until it bled', 'till i bleed', 'till it bleeds'],
    es: ['hasta sangrar', 'hasta que sangre', 'hasta hacerme sangre', 'hacerme dano', 'me hice dano', 'me hago dano', '=golpearme', 'me golpee hasta', 'me golpeo hasta', 'autolesion', 'autolesiones', 'autolesione', 'autolesionarme'],
  },
  'on-purpose': { en: ['on purpose', 'deliberately'], es: ['a proposito'] },
  'want': { en: ['want to', 'going to', 'urge to', 'need to', 'i will'], es: ['quiero', 'ganas de', 'voy a'] },
  'means-act': {
    en: ['jump', 'jumping', 'jumped', 'hang', 'tie', 'swallow', 'swallowing', 'crash', 'drive into', 'driving into', 'step in front',
      'stepping in front', 'shoot', 'calling me', 'keep calling', 'tempting', 'tempted', 'drawn to', 'pulling me', 'pulls me', 'going over', 'over the edge', 'drink a whole', 'take all', 'how many', 'how to', 'looking at', 'staring', 'staring at', 'googling',
      'looked up', 'loaded', 'lined up', 'next to me', 'in my lap', 'in my hand', 'holding', 'have a', 'have my', 'got the', 'got a',
      'thinking about', 'thinking of', 'keep thinking', 'standing on', 'i am at', 'i am on'],
    es: ['tirarme', 'aventarme', 'saltar', 'chocar', 'ahorcar', 'tengo', 'tengo una/un/la/el', 'mirando', 'pienso en', 'busque',
      'cuantas', 'en la mano', 'tomarme todas', 'estoy en', 'me llama', 'me llaman', 'me tienta', 'me atrae', '=tomaria', '=tomarme'],
  },
  'quantity': {
    en: ['all', 'whole', 'entire', 'bottle', 'handful', 'bunch', 'pack', 'box', 'too many', 'too much', 'everything', 'way too much', 'lots of'],
    es: ['todas', 'todo', 'entero', 'frasco', 'puno', 'demasiadas', 'demasiado', 'muchas', 'caja', 'blister'],
  },
  'took': {
    en: ['took', 'taken', 'swallowed', 'downed', 'ate', 'drank', 'overdosed', 'overdose', 'overdosing'],
    es: ['=tome', 'me tome', 'trague', 'tomo', 'sobredosis', '=tomaria', 'me =meti', '=meti'],
  },
  'attempt': { en: ['attempted', 'attempt', 'tried suicide', 'tried to end it', 'tried to kill', 'already did it'], es: ['intente matarme', 'intente suicidarme', 'intento de suicidio'] },
  'survived': { en: ['still alive', 'i am alive', 'woke up after', 'survived', 'did not work'], es: ['sobrevivi', 'sigo vivo', 'sigo viva', 'no funciono'] },
  'tried': { en: ['tried to', 'tried'], es: ['intente', 'trate de'] },
  'stockpile': {
    en: ['saving up', 'saving', 'stockpiling', 'collecting', 'hoarding', 'hiding my pills', 'saved up', 'bought a bunch'],
    es: ['guardando', 'juntado', 'juntando', 'acumulando', 'escondiendo'],
  },
  'acquire': { en: ['bought', 'got', 'purchased', 'ordered', 'picked up'], es: ['compre', 'consegui'] },
  'farewell': {
    en: ['goodbye', 'farewell', 'say goodbye', 'goodbye notes', 'letters to', 'left a note', 'suicide note', 'my goodbyes', 'bye forever',
      'bye to everyone', 'said bye', 'goodbye to everyone', 'this is goodbye', 'letters for', 'wrote letters'],
    es: ['adios', 'despedida', 'despedirme', 'cartas de despedida', 'deje una carta', 'me despedi', 'despedi de todos', 'esto es una despedida', 'cartas para'],
  },
  'affairs-strong': {
    en: ['affairs in order', 'gave away my', 'giving away my', 'giving away all', 'will not need the', 'updated my will', 'wrote my will',
      'sorted out my affairs', 'passwords', 'left instructions', 'who gets my', 'gets my stuff', 'will not need it', 'cancelled everything', 'bye to everyone', 'said goodbye to everyone', 'said my goodbyes'],
    es: ['regale mis', 'ya regale', 'deje todo en orden', 'no voy a necesitar', 'todo arreglado', 'deje todo listo', 'contrasenas', 'testamento',
      'papeles en orden', 'quien se queda con mis', 'repartir mis cosas', 'me despedi de todos'],
  },
  'affairs': {
    en: ['affairs in order', 'my will', 'gave away', 'giving away', 'will not need', 'tell my family i love', 'thank you for everything',
      'thank you for trying', 'thanks for trying', 'thanks for everything', 'did your best', 'did all you could', 'tried your best'],
    es: ['regale', 'en orden', 'no voy a necesitar', 'diganle a mi familia', 'gracias por todo', 'gracias por intentarlo', 'hicieron lo que pudieron'],
  },
  'sorry-ahead': {
    en: ['sorry for what', 'sorry for everything', 'about to happen', 'about to do', 'what is coming', 'forgive me'],
    es: ['perdon por lo que', 'lo que va a pasar', 'lo que voy a hacer', 'perdon por todo', 'perdonenme', 'perdoname'],
  },
  'finality': {
    en: ['my last night', 'is my last', 'last time you', 'by the time you read', 'i will be gone', 'will not be here', 'is the night', 'for good',
      'do not look for me', 'today is the day', 'no turning back'],
    es: ['ya no voy a estar', 'ultima noche', 'cuando leas esto', 'para siempre', 'no me busquen', 'no me busques', 'hoy es el dia', 'cuando no este'],
  },
  // Everyday business that also takes a decision and a day: "I've decided to move my appointment to Friday".
  'errand': {
    en: ['form', 'paperwork', 'reschedule', 'move my appointment', 'change my appointment', 'book', 'booking', 'call you', 'the bill'],
    es: ['formulario', 'papeles', 'cambiar la cita', 'mover la cita', 'la factura', 'llamar'],
  },
  'see-you': {
    en: ['see you', 'see ya', 'talk soon', 'for now', 'until next time', 'next week', 'great team'],
    es: ['nos vemos', 'hasta luego', 'hasta pronto', 'hasta la proxima'],
  },
  'plan-made': {
    en: ['chosen the date/spot/place/day', 'chose the date/spot/place/day', 'picked the spot/date/day/place', 'set a date', 'have a plan',
      'plan is set', 'how and when', 'where and when'],
    es: ['tengo un plan', 'lo tengo decidido', 'lo tengo elegido', 'escogi el lugar', 'elegi el lugar', 'como y cuando', 'donde y cuando'],
  },
  'intent-strong': {
    en: ['going to do it', 'do it', 'doing it', 'decided', 'made up my mind', 'have a plan', 'plan is set', 'set a date', 'picked the spot',
      'ready to go', 'end it', 'do not try to stop me', 'i end it', 'through with it', 'follow through', 'mind is made up', 'it is decided', 'how and when', 'where and when', 'it is happening', 'chosen the date/spot/place/day',
      'chose the date/spot/place/day', 'picked the date/day'],
    es: ['lo voy a hacer', 'lo hago', 'decidi', 'tengo un plan', 'escogi el lugar', 'elegi el lugar', 'lo tengo decidido', 'ya esta decidido', 'lo tengo elegido', 'tengo elegido', 'como y cuando', 'donde y cuando', 'seguir adelante con esto'],
  },
  'time': {
    en: ['tonight', 'tomorrow', 'today', 'this weekend', 'friday', 'saturday', 'sunday', 'monday', 'after work', 'when i get home',
      'after everyone', 'date', 'soon', 'right now', 'when my', 'when everyone', 'vacation', 'after my appointment', 'tuesday', 'wednesday', 'thursday'],
    es: ['esta noche', 'manana', 'hoy', 'viernes', 'sabado', 'domingo', 'cuando todos', 'despues del trabajo', 'fecha', 'ahorita', 'lunes', 'martes',
      'miercoles', 'jueves', 'despues de la cita', 'la hora'],
  },
} satisfies Record<string, ConceptSource>;
