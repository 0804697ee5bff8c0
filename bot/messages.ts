/**
 * Everything the bot says. Models read Spanish by default and English when their rules say `language: 'en'`
 * (models.distribution); people not linked yet read the language their Telegram app reports. The admin chat
 * reads Spanish, like the dashboard. Texts are HTML (parse_mode HTML): every value goes through `esc`.
 */
import type { ContentStatus, Language, PublicationStatus } from '../core/types.js';

export const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The short id people read and type: the first 8 hex digits of a UUID. */
export const shortId = (id: string) => id.slice(0, 8);

/** `en` for an English Telegram app, Spanish for everything else. */
export const languageOfTelegramUser = (code: string | undefined): Language => (code?.toLowerCase().startsWith('en') ? 'en' : 'es');

export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

export function formatWhen(date: Date, language: Language, timeZone: string): string {
  const locale = language === 'es' ? 'es-CO' : 'en-US';
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
  } catch {
    return `${new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(date)} UTC`;
  }
}

const ids = (list: string[]) => list.map((id) => `#${shortId(id)}`).join(', ');

/** What models (and people who are not linked yet) read. */
export const modelText = {
  es: {
    refusal: 'Hola 👋 Este bot es solo para las modelos del estudio. Si eres una de ellas, pide a tu administrador un código de enlace y envíame <code>/start CÓDIGO</code>.',
    linked: (name: string) => `¡Listo, ${esc(name)}! Tu Telegram quedó vinculado. Envíame tus videos (puedes escribir el contexto en el pie del video) y te aviso cuando se publiquen. /help para ver cómo.`,
    alreadyLinked: (name: string) => `Hola, ${esc(name)} 👋 Ya estás vinculada. Envíame un video cuando quieras. /help para ver cómo.`,
    codeInvalid: 'Ese código no es válido o ya se usó. Pide un código nuevo a tu administrador y envía <code>/start CÓDIGO</code>.',
    codeExpired: 'Ese código venció. Pide uno nuevo a tu administrador y envía <code>/start CÓDIGO</code>.',
    help: (limit: string) => [
      '<b>Cómo enviar contenido</b>',
      '• Envíame un video (como video, archivo, video circular o GIF). Puedes enviar varios juntos como álbum.',
      '• Escribe el contexto en el pie del video, o en un mensaje justo después.',
      `• Máximo ${limit} por video. Si es más pesado, recórtalo o comprímelo antes de enviarlo.`,
      '• Te aviso cuando lo recibo, cuando se aprueba o rechaza y cuando se publica (con el enlace).',
      '',
      '/estado — tus últimos videos y en qué van',
      '/help — esta ayuda',
    ].join('\n'),
    received: (list: string[]) => list.length === 1
      ? `✅ Recibí tu video (${ids(list)}). Te aviso cuando se publique.`
      : `✅ Recibí tus ${list.length} videos (${ids(list)}). Te aviso cuando se publiquen.`,
    alreadyReceived: 'Ese video ya lo había recibido; no lo registro dos veces.',
    submitFailed: 'No pude registrar tu video en este momento (el sistema no responde). Envíalo de nuevo en unos minutos, por favor.',
    tooBig: (size: string, limit: string) =>
      `Este video pesa ${size} y Telegram solo deja a los bots descargar hasta ${limit}. Envía una versión más corta o comprimida (por ejemplo, grabada en 720p o recortada) y la recibo al instante.`,
    tooBigForUs: (size: string, limit: string) =>
      `Este video pesa ${size} y el máximo que recibimos es ${limit}. Envía una versión más corta o comprimida (por ejemplo, grabada en 720p o recortada).`,
    notVideo: 'Solo puedo recibir videos 🎬. Envíalo como video o como archivo de video (MP4, MOV…).',
    unreadable: 'No pude leer ese archivo. Envíalo de nuevo como video, por favor.',
    textHint: 'Para enviar contenido, mándame un video. El texto que escribas en el pie del video (o justo después) se usa como contexto.',
    unknownCommand: 'No conozco ese comando. /help para ver lo que puedo hacer.',
    statusEmpty: 'Todavía no me has enviado videos.',
    statusTitle: '<b>Tus últimos videos</b>',
    approved: (id: string) => `👍 Tu video #${shortId(id)} fue aprobado. Te aviso cuando se publique.`,
    rejected: (id: string, reason: string) => `❌ Tu video #${shortId(id)} no se publicará: ${esc(reason)}`,
    duplicate: (id: string, reason: string) => `ℹ️ #${shortId(id)}: ${esc(reason)}`,
    published: (id: string, platform: string, url: string) => `🎉 ¡Tu video #${shortId(id)} ya está publicado en ${esc(platform)}!\n${esc(url)}`,
    contentStatus: {
      new: 'en proceso', approved: 'aprobado', rejected: 'rechazado', reusable: 'reutilizable', duplicate: 'repetido',
    } satisfies Record<ContentStatus, string>,
    publicationStatus: {
      scheduled: 'programado', held: 'en pausa', processing: 'publicándose', published: 'publicado', failed: 'con un problema (el equipo lo revisa)',
      canceled: 'cancelado', unconfirmed: 'en revisión',
    } satisfies Record<PublicationStatus, string>,
    waitingApproval: 'esperando aprobación',
    scheduledFor: (when: string) => `programado para ${when}`,
    error: 'Algo salió mal al procesar tu mensaje. Inténtalo de nuevo en un momento.',
  },
  en: {
    refusal: 'Hi 👋 This bot is only for the studio\'s models. If you are one of them, ask your admin for a link code and send me <code>/start CODE</code>.',
    linked: (name: string) => `All set, ${esc(name)}! Your Telegram is linked. Send me your videos (you can write the context in the video caption) and I will tell you when they are published. /help shows how.`,
    alreadyLinked: (name: string) => `Hi, ${esc(name)} 👋 You are already linked. Send me a video whenever you like. /help shows how.`,
    codeInvalid: 'That code is not valid or was already used. Ask your admin for a new code and send <code>/start CODE</code>.',
    codeExpired: 'That code has expired. Ask your admin for a new one and send <code>/start CODE</code>.',
    help: (limit: string) => [
      '<b>How to send content</b>',
      '• Send me a video (as a video, a file, a round video or a GIF). You can send several together as an album.',
      '• Write the context in the video caption, or in a message right after it.',
      `• Up to ${limit} per video. If it is bigger, trim or compress it before sending.`,
      '• I tell you when I receive it, when it is approved or rejected, and when it is published (with the link).',
      '',
      '/estado — your latest videos and where they stand',
      '/help — this help',
    ].join('\n'),
    received: (list: string[]) => list.length === 1
      ? `✅ Got your video (${ids(list)}). I will tell you when it is published.`
      : `✅ Got your ${list.length} videos (${ids(list)}). I will tell you when they are published.`,
    alreadyReceived: 'I had already received that video; it is not registered twice.',
    submitFailed: 'I could not register your video right now (the system is not answering). Please send it again in a few minutes.',
    tooBig: (size: string, limit: string) =>
      `This video is ${size} and Telegram only lets bots download up to ${limit}. Please send a shorter or compressed version (for example, recorded in 720p or trimmed) and I will take it right away.`,
    tooBigForUs: (size: string, limit: string) =>
      `This video is ${size} and the most we take is ${limit}. Please send a shorter or compressed version (for example, recorded in 720p or trimmed).`,
    notVideo: 'I can only take videos 🎬. Send it as a video or as a video file (MP4, MOV…).',
    unreadable: 'I could not read that file. Please send it again as a video.',
    textHint: 'To send content, send me a video. The text in the video caption (or right after it) is used as context.',
    unknownCommand: 'I do not know that command. /help shows what I can do.',
    statusEmpty: 'You have not sent me any videos yet.',
    statusTitle: '<b>Your latest videos</b>',
    approved: (id: string) => `👍 Your video #${shortId(id)} was approved. I will tell you when it is published.`,
    rejected: (id: string, reason: string) => `❌ Your video #${shortId(id)} will not be published: ${esc(reason)}`,
    duplicate: (id: string, reason: string) => `ℹ️ #${shortId(id)}: ${esc(reason)}`,
    published: (id: string, platform: string, url: string) => `🎉 Your video #${shortId(id)} is live on ${esc(platform)}!\n${esc(url)}`,
    contentStatus: {
      new: 'in progress', approved: 'approved', rejected: 'rejected', reusable: 'reusable', duplicate: 'repeated',
    } satisfies Record<ContentStatus, string>,
    publicationStatus: {
      scheduled: 'scheduled', held: 'on hold', processing: 'being published', published: 'published', failed: 'has a problem (the team is on it)',
      canceled: 'canceled', unconfirmed: 'under review',
    } satisfies Record<PublicationStatus, string>,
    waitingApproval: 'waiting for approval',
    scheduledFor: (when: string) => `scheduled for ${when}`,
    error: 'Something went wrong with your message. Please try again in a moment.',
  },
} as const;

export type ModelTexts = (typeof modelText)[Language];
export const textsFor = (language: Language | undefined): ModelTexts => modelText[language === 'en' ? 'en' : 'es'];

/** Publication statuses as the admin reads them. */
export const adminPublicationStatus: Record<PublicationStatus, string> = {
  scheduled: 'programada', held: 'retenida', processing: 'procesando', published: 'publicada', failed: 'fallida',
  canceled: 'cancelada', unconfirmed: 'sin confirmar',
};

/** Who took a decision, as the admin reads it. */
export function actorLabel(actor: string): string {
  if (actor === 'api') return 'la API';
  if (actor === 'admin') return 'el dashboard';
  if (actor === 'auto:rules') return 'las reglas automáticas';
  if (actor.startsWith('telegram:')) return actor.slice('telegram:'.length);
  return actor;
}

export const adminHelp = [
  '<b>Comandos del chat de administración</b>',
  '/status — publicaciones programadas, en proceso y fallidas; salud del sistema',
  '/daily — resumen de las últimas 24 h (publicados, vistas, likes, clics)',
  '/weekly — resumen de los últimos 7 días',
  '/pause MODELO — pausa a una modelo: sus publicaciones quedan retenidas',
  '/resume MODELO — la reanuda y libera sus publicaciones',
  '/failed — publicaciones fallidas o sin confirmar, con botón para reintentar',
  '/retry ID — reintenta una publicación (basta con los primeros 8 caracteres del ID)',
  '',
  'Las tarjetas de aprobación traen los botones Aprobar / Rechazar (al rechazar te pido el motivo).',
].join('\n');

/** Shortens to at most `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

export const formatCount = (n: number) => new Intl.NumberFormat('es-CO').format(n);
