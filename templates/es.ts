import type { MessageTemplate, MessageVars } from './template.ts';
import type { TemplateKey } from './keys.ts';

// Latin-American Spanish, "usted" as is usual from a clinic. á, í, ó, ú force UCS-2 SMS (67 units a part,
// so three parts are 201), hence the terse bodies; short replies avoid them and stay GSM-7.
// The drug is named in SMS only when the clinic opts in.
const sesion = (v: MessageVars): string => (v.namesTreatment ? 'su sesión de ketamina' : 'su sesión');
const laSesion = (v: MessageVars): string => (v.namesTreatment ? 'la sesión de ketamina' : 'la sesión');
const saludo = (name: string | undefined): string => (name ? `Hola ${name}` : 'Hola');
const sinKetamina = (v: MessageVars): string => (v.namesTreatment ? ' sin ketamina' : '');
const despedida = (v: MessageVars): string => `Un saludo,\nEl equipo de ${v.clinicName}`;

export const es = {
  'no-driving': {
    sms: (v) =>
      `Hola ${v.firstName}, le escribe ${v.clinicName}. Después de ${sesion(v)}, no maneje el resto del día, aunque se sienta bien. Pida que alguien maneje por usted.`,
    email: {
      subject: (v) => `${v.clinicName}: hoy no maneje`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nGracias por venir hoy. Por favor, no maneje el resto del día, aunque se sienta completamente bien. La ketamina puede hacer más lentos sus reflejos durante más tiempo del que usted nota.\n\nOrganice cómo volver a casa sin manejar, con alguien de confianza o en taxi, y tómese la tarde para descansar.\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'no-driving-escort': {
    sms: (v) =>
      `${saludo(v.escortName)}, le escribe ${v.clinicName}. Gracias por acompañar a ${v.firstName}. Después de ${laSesion(v)}, asegúrese de que no maneje hoy, aunque parezca estar bien.`,
    email: {
      subject: (v) => `${v.clinicName}: ${v.firstName} no debe manejar hoy`,
      text: (v) =>
        `${saludo(v.escortName)}:\n\nGracias por acompañar hoy a ${v.firstName}. Después de una sesión de ketamina, los reflejos pueden seguir lentos el resto del día, aunque la persona parezca y se sienta bien.\n\nPor favor, asegúrese de que ${v.firstName} no maneje hoy. Lo mejor es una tarde tranquila y de descanso.\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  // Etiqueta de la esketamina: no manejar ni usar maquinaria hasta el día siguiente, tras dormir bien.
  'no-driving-esketamine': {
    sms: (v) =>
      `Hola ${v.firstName}, le escribe ${v.clinicName}. Después de ${v.namesTreatment ? 'su tratamiento de esketamina' : 'su tratamiento'}, no maneje hasta mañana, tras una noche de buen descanso, aunque se sienta bien.`,
    email: {
      subject: (v) => `${v.clinicName}: no maneje hasta mañana`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nGracias por venir hoy. Después de un tratamiento de esketamina, no maneje ni use maquinaria hasta mañana, después de una noche de sueño reparador, aunque hoy se sienta completamente bien. La atención y los reflejos pueden seguir afectados más tiempo del que usted nota.\n\nOrganice cómo volver a casa sin manejar, con alguien de confianza o en taxi, y tómese la tarde para descansar.\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'no-driving-esketamine-escort': {
    sms: (v) =>
      `${saludo(v.escortName)}, le escribe ${v.clinicName}. Gracias por acompañar a ${v.firstName}. Asegúrese de que no maneje hasta mañana, tras una noche de buen descanso, aunque parezca estar bien.`,
    email: {
      subject: (v) => `${v.clinicName}: ${v.firstName} no debe manejar hasta mañana`,
      text: (v) =>
        `${saludo(v.escortName)}:\n\nGracias por acompañar hoy a ${v.firstName}. Después de un tratamiento de esketamina, la atención y los reflejos pueden seguir afectados hasta el día siguiente, aunque la persona parezca y se sienta bien.\n\nPor favor, asegúrese de que ${v.firstName} no maneje ni use maquinaria hasta mañana, después de una noche de sueño reparador.\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'light-meal': {
    sms: (v) =>
      `Hola ${v.firstName}, le escribe ${v.clinicName}. Cuando quiera comer, empiece con algo ligero: una comida pesada tras ${sesion(v)} puede dar náuseas. Tome agua a sorbos.`,
    email: {
      subject: (v) => `${v.clinicName}: qué comer y beber hoy`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nCuando tenga ganas de comer, empiece con algo pequeño y ligero, como pan tostado, sopa o fruta. Una comida pesada poco después de una sesión de ketamina puede dar náuseas.\n\nTenga un vaso de agua cerca y tome pequeños sorbos durante el día.\n\nSi tiene náuseas que no se calman, llámenos al ${v.clinicPhone}.\n\n${despedida(v)}`,
    },
  },
  'checkin-24h': {
    sms: (v) =>
      `${v.clinicName}: Hola ${v.firstName}, ¿cómo está hoy? Responda de 1 (muy mal) a 5 (muy bien). Cansancio o dolor de cabeza leve suelen pasar en un día. Dudas: ${v.clinicPhone}. Urgencias: ${v.emergencyPhone}.`,
    email: {
      subject: (v) => `${v.clinicName}: ¿cómo se siente hoy?`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nHa pasado más o menos un día desde su sesión de ketamina y queremos saber cómo está. Responda con un número del 1 al 5, donde 1 es muy mal y 5 es muy bien.\n\nAlgunos efectos son comunes: cansancio, un dolor de cabeza leve, algo de náuseas, sueños intensos o sentirse un poco desconectado de todo. Suelen pasar en un día.\n\nSi algo le preocupa o no mejora, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'checkin-reminder': {
    sms: (v) =>
      `Hola ${v.firstName}, le escribe otra vez ${v.clinicName}. ¿Cómo está? Responda del 1 (muy mal) al 5 (muy bien) o con unas palabras. Si algo le preocupa: ${v.clinicPhone}.`,
    email: {
      subject: (v) => `${v.clinicName}: solo queremos saber cómo está`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nTodavía no tenemos su respuesta, así que le escribimos una vez más. ¿Cómo está? Responda con un número del 1 (muy mal) al 5 (muy bien) o con unas palabras.\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'withdrawal-checkin': {
    sms: (v) =>
      `${v.clinicName}: Hola ${v.firstName}. Los primeros días${sinKetamina(v)} suelen ser los más duros: mal sueño, cansancio, ansias. Luego ceden. ¿Cómo está? Responda de 1 (muy mal) a 5 (muy bien).`,
    email: {
      subject: (v) => `${v.clinicName}: ¿cómo van los primeros días?`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nLos primeros días después de dejar la ketamina suelen ser los más difíciles. Es común dormir mal, sentir cansancio, sudores, escalofríos, malestar de estómago, ánimo bajo y ansias de consumir. Suelen llegar a su punto más alto al principio y luego bajan.\n\n¿Cómo está? Responda con un número del 1 (muy mal) al 5 (muy bien).\n\nSi algo le preocupa, llámenos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'week-two-stabilisation': {
    sms: (v) =>
      `${v.clinicName}: Hola ${v.firstName}. Van dos semanas${sinKetamina(v)}: empieza la estabilización. Aún puede haber ansias, desánimo o insomnio; rutinas y apoyo ayudan. Responda si nos necesita.`,
    email: {
      subject: (v) => `${v.clinicName}: dos semanas`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nYa pasaron dos semanas desde que dejó la ketamina. Eso requiere mucho esfuerzo: muy bien hecho.\n\nLas semanas 2 a 4 son de estabilización. Los síntomas físicos suelen haber bajado, pero las ansias, el ánimo bajo y el mal sueño pueden seguir un tiempo. Es común y se vuelve más fácil.\n\nLas rutinas ayudan: dormir y comer a horas regulares, moverse un poco cada día y pasar tiempo con personas de confianza. Un grupo de apoyo o un consejero también pueden ayudar.\n\nSi nos necesita, responda o llame al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\n${despedida(v)}`,
    },
  },
  'crisis-reply': {
    sms: (v) =>
      `${v.firstName}, gracias por contarnos. Si está en peligro, llame al ${v.emergencyPhone}. Llame o escriba al ${v.crisisLine} a toda hora, o envíe HOME al 741741. Ya avisamos al equipo de ${v.clinicName}.`,
    email: {
      subject: (v) => `${v.clinicName}: hay ayuda disponible ahora`,
      text: (v) =>
        `${v.firstName}, gracias por contarnos.\n\nSi está en peligro ahora, llame al ${v.emergencyPhone}.\n\nPuede llamar o escribir al ${v.crisisLine} a cualquier hora para hablar con alguien, o enviar HOME por mensaje de texto al 741741.\n\nYa avisamos al equipo de ${v.clinicName} y alguien se pondrá en contacto con usted. También puede llamarnos al ${v.clinicPhone}.`,
    },
  },
  'crisis-reply-other': {
    sms: (v) =>
      `${v.firstName}, gracias por avisarnos. Si esa u otra persona está en peligro, llame ya al ${v.emergencyPhone} y quédese a su lado. Apoyo: ${v.crisisLine} o HOME al 741741. Avisamos a ${v.clinicName}.`,
    email: {
      subject: (v) => `${v.clinicName}: si alguien está en peligro, llame al ${v.emergencyPhone} ahora`,
      text: (v) =>
        `${v.firstName}, gracias por avisarnos.\n\nSi esa u otra persona está en peligro, llame al ${v.emergencyPhone} ahora y quédese a su lado hasta que llegue la ayuda.\n\nPara apoyo, para esa persona o para usted, llame o escriba al ${v.crisisLine} a cualquier hora, o envíe HOME por mensaje de texto al 741741.\n\nYa avisamos al equipo de ${v.clinicName}. También puede llamarnos al ${v.clinicPhone}.`,
    },
  },
  'help-reply': {
    sms: (v) =>
      `Hola ${v.firstName}, estos mensajes son de ${v.clinicName}. Para hablar con nosotros: ${v.clinicPhone}. Emergencias: ${v.emergencyPhone}. Responda STOP para cancelarlos.`,
    email: {
      subject: (v) => `${v.clinicName}: cómo comunicarse con nosotros`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nEstos mensajes son de ${v.clinicName}. Puede llamarnos al ${v.clinicPhone}. En una emergencia, llame al ${v.emergencyPhone}.\n\nPara dejar de recibir mensajes de texto, responda STOP a cualquiera de ellos.\n\n${despedida(v)}`,
    },
  },
  'opt-out-confirmation': {
    sms: (v) =>
      `Hola ${v.firstName}, ya no le enviaremos mensajes de ${v.clinicName}. Responda START para recibirlos de nuevo.`,
    email: {
      subject: (v) => `${v.clinicName}: mensajes de texto desactivados`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nYa no recibirá mensajes de texto de ${v.clinicName}. Para volver a recibirlos, responda START a nuestro número.\n\nPuede seguir llamándonos al ${v.clinicPhone}.\n\n${despedida(v)}`,
    },
  },
  'opt-in-confirmation': {
    sms: (v) =>
      `Hola ${v.firstName}, de nuevo le enviaremos mensajes de ${v.clinicName}. Responda HELP para ayuda o STOP para cancelarlos.`,
    email: {
      subject: (v) => `${v.clinicName}: mensajes de texto activados`,
      text: (v) =>
        `Hola ${v.firstName}:\n\nVolverá a recibir mensajes de texto de ${v.clinicName}. Responda HELP para pedir ayuda, o STOP en cualquier momento para dejar de recibirlos.\n\n${despedida(v)}`,
    },
  },
} satisfies Record<TemplateKey, MessageTemplate>;
