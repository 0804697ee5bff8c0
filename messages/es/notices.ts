/**
 * Lo que el bot envía al chat de administración a partir de los eventos (bot/notices.ts): alertas, el recordatorio
 * de aprobación, el contador de repeticiones. Textos HTML de Telegram: los valores llegan ya escapados.
 */
import type { ApprovalWarningCode } from '../../core/labels.js';

export const notices = {
  /** Formato de la hora en "la última a las HH:MM". */
  timeLocale: 'es-CO',
  /** Respuesta a la tarjeta de aprobación que sigue sin decidir. */
  approvalReminder: (shortId: string) => `⏰ <b>#${shortId}</b> sigue esperando tu decisión.`,
  /** Cuenta de una modelo en una plataforma. */
  account: (model: string, platform: string, username: string) => `${model} · ${platform} @${username}`,
  unknownAccount: 'una cuenta',
  /** Una línea en cursiva con el detalle del evento. */
  detail: (text: string) => `<i>${text}</i>`,
  ingestRejected: {
    title: '🎞 <b>Video rechazado por la validación</b>',
    who: (model: string, shortId: string) => `👤 ${model} · #${shortId}`,
    unknownModel: 'modelo desconocida',
    reason: (reason: string) => `Motivo: ${reason}`,
    modelTold: 'La modelo ya recibió el motivo por el bot.',
  },
  sessionExpired: {
    title: '🔐 <b>Sesión caducada</b>',
    body: 'La cuenta quedó en pausa y sus publicaciones programadas esperan. Vuelve a vincular la sesión (o, si publica por API, pulsa Reconectar en Cuentas) desde el dashboard.',
  },
  /** Avisos de la tarjeta de aprobación por plataforma (core/labels.ts): cómo etiqueta el contenido adulto o por qué lo rechazaría. */
  approvalWarning: {
    x_sensitive_setting: 'X: la API no marca cada post; activa "Marcar el contenido multimedia como sensible" en la cuenta',
    bluesky_adult_label: 'Bluesky: lleva la etiqueta de adulto (solo lo ve quien lo activó)',
    reddit_nsfw: 'Reddit: se marca NSFW; los subreddits que no lo admiten lo rechazan',
    reddit_no_subreddits: 'Reddit: la cuenta no tiene subreddits configurados; no se publicará',
    telegram_spoiler: 'Telegram: el video va tras un spoiler',
    telegram_too_big: 'Telegram: pesa más de lo que sube la Bot API en la nube (50 MB); hace falta un servidor Bot API local',
  } satisfies Record<ApprovalWarningCode, string>,
  accountPaused: {
    title: '⏸ <b>Cuenta pausada</b>',
    body: 'La plataforma frenó la cuenta; sus publicaciones programadas esperan hasta que la reanudes.',
  },
  publication: {
    failedTitle: '🔴 <b>Publicación fallida</b>',
    unconfirmedTitle: '🟠 <b>Publicación sin confirmar</b>',
    where: (model: string, platform: string, username: string, shortId: string) => `${model} → ${platform} @${username} · #${shortId}`,
    error: (error: string) => `Error: <code>${error}</code>`,
    attempts: (count: number) => `Intentos: ${count}`,
    failedHint: 'Reintenta cuando el problema esté resuelto.',
    unconfirmedHint: 'Puede que sí se haya publicado: revisa la plataforma. Al reintentar primero se busca la publicación anterior.',
    retryButton: '🔁 Reintentar',
  },
  alert: {
    title: '⚠️ <b>Alerta</b>',
    who: (model: string, shortId?: string) => `👤 ${model}${shortId ? ` · #${shortId}` : ''}`,
  },
  /** La sugerencia semanal de horarios aprendidos (nunca se aplica sola). */
  learnedSlots: {
    title: '📈 <b>Horarios aprendidos de la semana</b>',
    intro: 'Según las vistas a las 24 h de sus publicaciones, estas horas rinden más que las actuales:',
    model: (model: string, suggested: string, current: string, posts: number) => `• <b>${model}</b>: ${suggested} (ahora: ${current}; ${posts} publicaciones)`,
    none: 'lo antes posible',
    more: (n: number) => `… y ${n} modelo${n === 1 ? '' : 's'} más.`,
    howTo: 'Nada cambia solo: revisa el mapa y pulsa «Aplicar» en Modelos → reglas → Horarios aprendidos.',
  },
  /** Añadido a una alerta repetida dentro del periodo de espera. */
  folded: (count: number, lastAt: string) => `🔁 <b>Se repitió ${count} veces</b> (la última a las ${lastAt}).`,
};
