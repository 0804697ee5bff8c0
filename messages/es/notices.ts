/**
 * Lo que el bot envía al chat de administración a partir de los eventos (bot/notices.ts): alertas, el recordatorio
 * de aprobación, el contador de repeticiones. Textos HTML de Telegram: los valores llegan ya escapados.
 */
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
    body: 'La cuenta quedó en pausa y sus publicaciones programadas esperan. Vuelve a vincular la sesión desde el dashboard y reanuda la cuenta.',
  },
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
  /** Añadido a una alerta repetida dentro del periodo de espera. */
  folded: (count: number, lastAt: string) => `🔁 <b>Se repitió ${count} veces</b> (la última a las ${lastAt}).`,
};
