/**
 * Lo que leen quienes reciben las alertas por webhook o correo y los informes diario y semanal por correo
 * (notify/). Texto plano: notify/ escapa cada valor para HTML o para el mrkdwn de Slack al componer.
 */
import type { AlertKind } from '../../contracts/events.js';

/** Lo que anuncia una alerta: un tipo de alerta, o un video que la validación rechazó. */
export type NotifyAlertKind = AlertKind | 'ingest_rejected';

export const notify = {
  /** Formato de fechas y horas de los correos. */
  locale: 'es-CO',
  product: '100-Tráfico',
  severity: { critical: 'Crítica', warning: 'Aviso', info: 'Información' },
  titles: {
    invalid_rules: 'Reglas de distribución no válidas',
    account_paused: 'Cuenta pausada',
    publication_failed: 'Publicación fallida',
    publication_unconfirmed: 'Publicación sin confirmar',
    session_expired: 'Sesión caducada',
    session_unknown: 'Sesión sin comprobar',
    post_deleted: 'Post borrado',
    not_sent: 'Video no enviado a una plataforma',
    no_slot: 'Sin horario libre',
    clicks_dropped: 'Clics perdidos',
    channel_down: 'Canal de alertas caído',
    stream_source_revoked: 'Token de transmisiones rechazado',
    reach_drop: 'Caída de alcance (posible shadowban)',
    ingest_rejected: 'Video rechazado por la validación',
  } satisfies Record<NotifyAlertKind, string>,
  /** Dónde pasó: la cuenta de una modelo, una publicación, una modelo. */
  account: (model: string, platform: string, username: string) => `${model} · ${platform} @${username}`,
  publication: (model: string, platform: string, username: string, shortId: string) => `${model} → ${platform} @${username} · #${shortId}`,
  model: (model: string, shortId?: string) => `Modelo: ${model}${shortId ? ` · #${shortId}` : ''}`,
  attempts: (count: number) => `Intentos: ${count}`,
  hints: {
    publication_failed: 'Reintenta cuando el problema esté resuelto.',
    publication_unconfirmed: 'Puede que sí se haya publicado: revisa la plataforma antes de reintentar.',
    session_expired: 'La cuenta quedó en pausa y sus publicaciones programadas esperan. Vuelve a vincular la sesión desde el dashboard.',
    account_paused: 'La plataforma frenó la cuenta; sus publicaciones programadas esperan hasta que la reanudes.',
    channel_down: 'Las alertas de ese canal se pierden hasta que vuelva a funcionar; revisa su configuración.',
  } as Partial<Record<NotifyAlertKind, string>>,
  links: {
    publication: 'Ver la publicación',
    content: 'Ver el contenido',
    model: 'Ver la modelo',
    accounts: 'Ver las cuentas',
    post: 'Ver el post',
    dashboard: 'Abrir el dashboard',
  },
  fields: { kind: 'Tipo', severity: 'Gravedad', count: 'Veces', at: 'Cuándo' },
  /** La alerta ya se había avisado y se repitió mientras tanto (dentro del periodo de espera). */
  repeated: (count: number) => (count === 1 ? 'Se repitió 1 vez desde el último aviso.' : `Se repitió ${count} veces desde el último aviso.`),
  email: {
    alertSubject: (severity: string, title: string) => `[100-Tráfico] ${severity}: ${title}`,
    footer: 'Enviado por 100-Tráfico. Las alertas iguales se agrupan durante el periodo de espera.',
    reportFooter: 'Enviado por 100-Tráfico: el informe diario cada día y el semanal los lunes.',
  },
  report: {
    dailySubject: (day: string) => `[100-Tráfico] Informe diario · ${day}`,
    weeklySubject: (from: string, to: string) => `[100-Tráfico] Informe semanal · ${from} – ${to}`,
    dailyTitle: 'Informe diario',
    weeklyTitle: 'Informe semanal',
    period: (from: string, to: string, zone: string) => `Del ${from} al ${to} (${zone})`,
    totals: 'Totales',
    byPlatform: 'Por plataforma',
    byModel: 'Por modelo',
    detail: 'Por plataforma y modelo',
    columns: { platform: 'Plataforma', model: 'Modelo', published: 'Publicadas', failed: 'Fallidas', views: 'Vistas', likes: 'Me gusta', clicks: 'Clics' },
    empty: 'No hubo publicaciones, fallos ni clics en este periodo.',
    notes: 'Vistas y me gusta: la última lectura de cada post publicado en el periodo. Clics: de personas (sin bots) en los enlaces de seguimiento.',
    open: 'Abrir el dashboard',
    /** Weekly report: live-session earnings (amounts come formatted) and the best platform by attributed revenue. */
    earnings: (amount: string, sessions: string) => `Ingresos de las transmisiones: ${amount} (${sessions} transmisiones)`,
    bestPlatform: (name: string, amount: string, method: string) => `Mejor plataforma: ${name}, ${amount} atribuidos (${method})`,
    noBestPlatform: 'Mejor plataforma: ninguna con ingresos atribuidos',
    method: { last_click: 'último clic', linear: 'lineal' },
  },
};
