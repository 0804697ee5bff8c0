/**
 * What the bot says, in Spanish. `model`: what models (and people not linked yet) read. `admin`: the admin chat
 * (commands, buttons, approval cards). Texts are HTML (parse_mode HTML): functions take raw values and escape
 * them; `errors` and callback answers (`answers`) are plain text (Telegram shows them as they are).
 */
import type { AccountStatus, ContentStatus, PublicationStatus } from '../../core/types.js';
import { esc, shortId, shortIds } from '../html.js';

const model = {
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
  received: (list: readonly string[]) => list.length === 1
    ? `✅ Recibí tu video (${shortIds(list)}). Te aviso cuando se publique.`
    : `✅ Recibí tus ${list.length} videos (${shortIds(list)}). Te aviso cuando se publiquen.`,
  alreadyReceived: 'Ese video ya lo había recibido; no lo registro dos veces.',
  submitFailed: 'No pude registrar tu video en este momento (el sistema no responde). Envíalo de nuevo en unos minutos, por favor.',
  diskFull: 'Ahora mismo no puedo recibir videos: el servidor del estudio se quedó sin espacio. Envíalo de nuevo más tarde, por favor.',
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
  /** The platform took the clip as a draft (TikTok's inbox): she finishes the post in the app, pasting the caption. */
  publishedAsDraft: (id: string, platform: string, caption: string) =>
    `📥 Tu video #${shortId(id)} está en tu bandeja de borradores de ${esc(platform)}. Abre la app, revisa la notificación y publícalo con este texto:\n\n<code>${esc(caption)}</code>`,
  contentStatus: {
    new: 'en proceso', approved: 'aprobado', rejected: 'rechazado', reusable: 'reutilizable', duplicate: 'repetido',
  } satisfies Record<ContentStatus, string>,
  publicationStatus: {
    scheduled: 'programado', held: 'en pausa', processing: 'publicándose', published: 'publicado', failed: 'con un problema (el equipo lo revisa)',
    canceled: 'cancelado', unconfirmed: 'en revisión', published_as_draft: 'en tu bandeja de borradores',
  } satisfies Record<PublicationStatus, string>,
  waitingApproval: 'esperando aprobación',
  scheduledFor: (when: string) => `programado para ${when}`,
  error: 'Algo salió mal al procesar tu mensaje. Inténtalo de nuevo en un momento.',
};

const admin = {
  help: [
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
  ].join('\n'),

  /** Statuses as the admin reads them. */
  publicationStatus: {
    scheduled: 'programada', held: 'retenida', processing: 'procesando', published: 'publicada', failed: 'fallida',
    canceled: 'cancelada', unconfirmed: 'sin confirmar', published_as_draft: 'borrador',
  } satisfies Record<PublicationStatus, string>,
  contentStatus: {
    new: 'pendiente', approved: 'aprobado', rejected: 'rechazado', duplicate: 'repetido', reusable: 'reutilizable',
  } satisfies Record<ContentStatus, string>,
  accountStatus: {
    paused: 'pausada', session_expired: 'sesión caducada', disabled: 'desactivada', active: 'activa',
  } satisfies Record<AccountStatus, string>,
  /** A model's status (db/schema.ts `model_status`). */
  modelStatus: {
    paused: '⏸ en pausa', testing: 'en prueba', active: 'activa',
  },

  /** Who took a decision (an actor as recorded: `api`, `admin`, `auto:rules`, `telegram:<name>`…), plain text. */
  actor: (actor: string) => {
    if (actor === 'api') return 'la API';
    if (actor === 'admin') return 'el dashboard';
    if (actor === 'auto:rules') return 'las reglas automáticas';
    if (actor.startsWith('telegram:')) return actor.slice('telegram:'.length);
    return actor;
  },

  /** A service error as one line the admin can act on (plain text). */
  errors: {
    temporalUnavailable: 'Temporal no responde; no se hizo nada. Inténtalo de nuevo en un momento.',
    alreadyDecided: 'Ese contenido ya estaba decidido.',
    notWaiting: 'Ese contenido ya no espera una decisión.',
    missingReason: 'El motivo no puede estar vacío.',
    notFound: 'No lo encontré (quizá fue borrado).',
    ambiguousModel: (candidates: readonly string[]) => `Hay varias modelos que coinciden: ${candidates.join(', ')}. Escribe el nombre completo.`,
    unknownModel: 'No hay ninguna modelo con ese nombre. /pause sin nombre lista las modelos.',
    missingModel: 'Escribe el nombre de una modelo. /pause sin nombre lista las modelos.',
    noWorkflow: 'Ese contenido no tiene un proceso en marcha; decídelo desde el dashboard.',
    invalidState: 'La publicación no está en un estado que permita esa acción.',
    captionViolations: (platforms: string[]) => `El texto para ${platforms.join(', ')} incumple un límite o una regla de moderación: corrígelo (o ignora la regla) en el panel, en Contenidos.`,
    unavailable: 'El sistema no responde; no se hizo nada. Inténtalo en un momento.',
  },

  /** Answers to button presses (plain text, shown by Telegram over the chat). */
  answers: {
    notAvailable: 'Esta acción no está disponible.',
    unknownAction: 'Acción desconocida o caducada.',
    failed: 'Algo salió mal; no se hizo nada. Inténtalo de nuevo.',
    approved: '✅ Aprobado',
    contentNotFound: 'No encontré ese contenido.',
    alreadyDecided: (status: string) => `Ya estaba decidido: ${status}.`,
    cardNotRegistered: 'Esta tarjeta no está registrada; rechaza desde el dashboard.',
    writeReason: 'Escribe el motivo del rechazo',
    retrying: '🔁 Reintentando',
    cannotRetry: (status: string) => `No se puede reintentar: la publicación está ${status}.`,
  },

  /** `/status`. Marks (✅/❌, 🟢/🔴) and counts come in as they are shown. */
  status: {
    title: (light: string) => `<b>Estado</b> ${light}`,
    scheduledHeld: (scheduled: number, held: number) => `📅 Programadas: <b>${scheduled}</b> · ⏸ Retenidas: <b>${held}</b>`,
    processing: (n: number) => `⚙️ Procesando: <b>${n}</b>`,
    failedUnconfirmed: (failed: number, unconfirmed: number) => `🔴 Fallidas: <b>${failed}</b> · 🟠 Sin confirmar: <b>${unconfirmed}</b>`,
    published: (n: number) => `✅ Publicadas: <b>${n}</b>`,
    pendingApproval: (n: number) => `📝 Esperando aprobación: <b>${n}</b>`,
    health: (db: string, temporal: string, workers: string) => `<b>Salud</b>: base de datos ${db} · Temporal ${temporal} · workers: ${workers}`,
    noWorkers: 'sin datos',
    pausedModels: (names: readonly string[]) => `⏸ Modelos en pausa: ${names.map(esc).join(', ')}`,
    accountsTitle: '<b>Cuentas que no publican</b>',
    account: (a: { model: string; platform: string; username: string; status: string }) =>
      `• ${esc(a.model)} · ${esc(a.platform)} @${esc(a.username)}: ${a.status}`,
    failedHint: '/failed para verlas y reintentarlas',
  },

  /** `/daily` and `/weekly`. Numbers come in formatted. */
  summary: {
    dailyTitle: 'Resumen de las últimas 24 h',
    weeklyTitle: 'Resumen de los últimos 7 días',
    title: (title: string) => `📊 <b>${title}</b>`,
    row: (r: { published: string; views: string; likes: string; clicks: string }) =>
      `${r.published} publicados · ${r.views} vistas · ${r.likes} likes · ${r.clicks} clics`,
    byPlatform: '<b>Por plataforma</b>',
    byModel: '<b>Por modelo</b>',
    item: (name: string, row: string) => `• ${esc(name)}: ${row}`,
    empty: 'Sin publicaciones ni clics en este periodo.',
    /** Closes a list cut to its top rows (a studio's whole list would pass Telegram's 4,096 characters). */
    more: (n: string) => `… y ${n} más en el panel`,
    /** `/weekly`: live-session earnings (amounts come formatted) and the best platform by attributed revenue. */
    earnings: (amount: string, sessions: string) => `💵 <b>Ingresos</b>: ${amount} · ${sessions} transmisiones`,
    bestPlatform: (name: string, amount: string, method: string) => `🏆 Mejor plataforma: ${esc(name)} (${amount} atribuidos, ${method})`,
    noBestPlatform: '🏆 Mejor plataforma: ninguna con ingresos atribuidos',
    method: { last_click: 'último clic', linear: 'lineal' },
  },

  /** `/pause` and `/resume`. */
  models: {
    usage: (verb: string, list: string) => `Uso: <code>/${verb} NOMBRE</code>\n\n<b>Modelos</b>\n${list}`,
    item: (name: string, status: string) => `• ${esc(name)} — ${status}`,
    more: (n: number) => `… y ${n} más: escribe parte del nombre.`,
    none: 'ninguna',
    alreadyPaused: (name: string) => `${esc(name)} ya estaba en pausa. /resume ${esc(name)} para reanudarla.`,
    paused: (name: string, held: number) =>
      `⏸ <b>${esc(name)}</b> en pausa: ${held} publicación(es) retenida(s); las que llegue a tener también esperan. /resume ${esc(name)} para reanudarla.`,
    notPaused: (name: string) => `${esc(name)} no estaba en pausa.`,
    resumed: (name: string, released: number) => `▶️ <b>${esc(name)}</b> reanudada: ${released} publicación(es) liberada(s).`,
  },

  /** `/failed`, `/retry` and the Retry button. */
  failed: {
    none: '✅ No hay publicaciones fallidas ni sin confirmar.',
    title: '<b>Publicaciones que esperan a una persona</b>',
    item: (p: { id: string; model: string; platform: string; username: string; status: string; attempts: number; error: string }) =>
      `• <b>#${shortId(p.id)}</b> ${esc(p.model)} → ${esc(p.platform)} @${esc(p.username)} · ${p.status} · ${p.attempts} intento(s)\n  ${esc(p.error)}`,
    noDetail: 'sin detalle',
    footer: 'Reintenta con los botones o con /retry ID.',
    retryUsage: 'Uso: <code>/retry ID</code> (el ID de /failed; bastan los primeros 8 caracteres).',
    retryNotFound: (raw: string) => `No encontré ninguna publicación #${esc(raw)}.`,
    retryAmbiguous: (raw: string) => `#${esc(raw)} coincide con varias publicaciones; escribe más caracteres del ID.`,
    retrying: (id: string) => `🔁 Reintentando la publicación <b>#${shortId(id)}</b>. Te aviso si vuelve a fallar.`,
    retryRequested: (id: string, who: string) => `🔁 Reintento de la publicación <b>#${shortId(id)}</b> pedido por ${esc(who)}.`,
    cannotRetry: (id: string, status: string) => `No se puede reintentar #${shortId(id)}: está ${status} (solo fallidas, sin confirmar o retenidas).`,
  },

  /** Rejecting from a card: the prompt for the reason and what follows. */
  reject: {
    prompt: (id: string) => `✍️ Escribe el motivo para rechazar <b>#${shortId(id)}</b> respondiendo a este mensaje. La modelo lo leerá.`,
    placeholder: 'Motivo del rechazo',
    reasonNotText: 'Escribe el motivo como texto, respondiendo al mensaje anterior.',
    reasonTooLong: (max: number) => `El motivo es demasiado largo (máximo ${max} caracteres). Resúmelo y responde de nuevo.`,
    done: (id: string) => `❌ Rechazado <b>#${shortId(id)}</b>. La modelo recibirá el motivo.`,
  },

  /** Approval cards. */
  card: {
    approve: '✅ Aprobar',
    reject: '❌ Rechazar',
    title: (id: string) => `📝 <b>Aprobación pendiente</b> · #${shortId(id)}`,
    approvedBy: (who: string) => `✅ <b>Aprobado</b> por ${esc(who)}`,
    rejectedBy: (who: string, reason: string) => `❌ <b>Rechazado</b> por ${esc(who)}: ${esc(reason)}`,
  },
};

export const bot = { model, admin };
