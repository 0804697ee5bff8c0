/**
 * Lo que dice cada tipo de system_events, en español, a partir de su payload: lo que lee el admin (la línea de
 * tiempo del dashboard, el detalle de las alertas del bot). La descripción guardada en la base es la inglesa.
 */
import type { EventDescriptions, EventPayloads } from '../../contracts/events.js';

type Alert = EventPayloads['alert'];

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1).replace('.', ',');

const held = (n: number, scheduled = false) =>
  n === 1 ? `1 publicación${scheduled ? ' programada' : ''} retenida` : `${n} publicaciones${scheduled ? ' programadas' : ''} retenidas`;
const released = (n: number) => (n === 1 ? '1 publicación liberada' : `${n} publicaciones liberadas`);

const sessionProblem = (state: string) =>
  state === 'challenge' ? 'la plataforma pide una verificación (captcha/2FA)' : 'la sesión guardada está cerrada';

const accountStatus = (status: string) =>
  ({ active: 'activa', paused: 'en pausa', session_expired: 'con la sesión caducada', disabled: 'desactivada' })[status] ?? status;

const captionSource = (source: string) => ({ template: 'plantilla', llm: 'IA', edited: 'editado' })[source] ?? source;

function alert(p: Alert): string {
  switch (p.kind) {
    case 'invalid_rules': return `No se puede programar: las reglas de distribución de ${p.modelName} no son válidas: ${p.problems.join('; ')}`;
    case 'account_paused': return `La cuenta @${p.username} quedó ${accountStatus(p.status)}: ${p.message}`;
    case 'publication_failed': return `Publicación fallida: ${p.errorType}: ${p.message}`;
    case 'publication_unconfirmed': return `Publicación sin confirmar: ${p.errorType}: ${p.message}`;
    case 'session_expired': return `Sesión caducada: @${p.username} en ${p.platform} (${sessionProblem(p.state)}). Vuelve a vincular la sesión.`;
    case 'session_unknown': return `No se pudo comprobar la sesión de @${p.username} en ${p.platform}; revisa la cuenta.`;
    case 'post_deleted': return `Publicación borrada en ${p.platform}: @${p.username}`;
    case 'not_sent': return `No se envía a ${p.platform}: ${p.reason}`;
    case 'no_slot': return `No hay horario libre para @${p.username} en ${p.platform} en los próximos ${p.maxLeadDays} días`;
    case 'clicks_dropped': return `Se perdieron ${p.count} clic(s) de enlaces de seguimiento: el búfer de clics (${p.bufferMax}) se llenó mientras la base de datos no los aceptaba`;
    case 'channel_down': return `El canal de alertas ${p.channel} está fallando (${p.attempts} intentos): ${p.error}`;
    case 'stream_source_revoked': return `${p.site} rechazó el token de @${p.username} (${p.modelName}): se dejó de seguir sus transmisiones hasta que se dé un token nuevo`;
    case 'reach_drop': return `Posible shadowban: las últimas ${p.posts} publicaciones de @${p.username} en ${p.platform} alcanzaron ${p.recentViews.join(', ')} vistas a las 24 h, menos del ${Math.round(p.share * 100)} % de su mediana de ${p.medianViews}${p.paused ? '; cuenta pausada' : ''}`;
  }
}

export const events = {
  content_received: (p) => p.fileName ?? 'video',
  content_ingested: (p) => `${p.width}x${p.height} ${p.codec}, ${p.durationSeconds.toFixed(1)} s`,
  content_rejected: (p) => p.reason,
  content_approved: (p) =>
    'auto' in p ? 'aprobado automáticamente por las reglas de la modelo'
      : [
        p.editedCaptions.length ? `aprobado con textos editados para ${p.editedCaptions.join(', ')}` : 'aprobado',
        ...(p.overrides ?? []).map((o) => `moderación ignorada en ${o.platform} (${o.violations.join(', ')})`),
      ].join('; '),
  content_duplicate: (p) => `el mismo video (sha256) que el contenido ${p.duplicateOfId}; no se publica dos veces`,
  caption_generated: (p) => {
    const parts = Object.entries(p.platforms).map(([platform, o]) => `${platform}: ${captionSource(o.source)}${o.fallback ? ` (la IA falló: ${o.fallback})` : ''}`);
    return parts.length === 0 ? 'texto de plantilla (todavía no hay cuentas activas)' : `textos redactados — ${parts.join('; ')}`;
  },
  publication_scheduled: (p) => ('released' in p ? 'liberada: se reanudó la cuenta o la modelo' : `programada para ${p.scheduledTime}`),
  publication_started: (p) => `publicando en ${p.platform} como @${p.username}`,
  publication_published: (p) => p.url,
  publication_failed: (p) => `${p.errorType}: ${p.message}`,
  retry: () => 'publicar de nuevo ahora',
  metrics_read: (p) => `vistas ${p.views ?? '?'}, likes ${p.likes ?? '?'}`,
  metrics_parse_failed: (p) => `no se pudo leer ${p.unreadable.join(', ')} en ${p.url}; se conservan los últimos valores buenos`,
  manual_adjustment: (p) =>
    p.change === 'browser_profile' ? `se cambió el perfil de navegador de @${p.username}` : `código de enlace de Telegram creado (válido hasta ${p.expiresAt})`,
  strategy_changed: (p) => `estrategia cambiada: ${p.change}`,
  session_linked: (p) =>
    'cookieCount' in p
      ? `sesión importada para @${p.username} (${p.format}, ${p.cookieCount} cookies)`
      : p.format === 'login'
      ? `@${p.username} inició sesión en ${p.platform} con usuario y contraseña`
      : `@${p.username} conectada a la API de ${p.platform} (${p.format === 'oauth' ? 'OAuth' : 'credenciales'})`,
  session_expired: (p) =>
    'errorType' in p
      ? `sesión de @${p.username} caducada tras ${p.errorType}; ${held(p.held.length, true)}`
      : `@${p.username} en ${p.platform}: ${sessionProblem(p.state)}; ${held(p.held.length)}`,
  account_paused: (p) =>
    'errorType' in p
      ? `@${p.username} en pausa tras ${p.errorType}; ${held(p.held.length, true)}`
      : `${p.reason ?? 'pausada a mano'}; ${held(p.held.length)}`,
  alert,
  approval_requested: (p) =>
    'esperando aprobación' + (p.violations?.length ? ` ($la moderación automática encontró: ${p.violations.map((v) => `${v.platform} ${v.codes.join(', ')}`).join('; ')})` : ''),
  approval_reminder: (p) => `sigue esperando aprobación (recordatorio ${p.count})`,
  publication_rescheduled: (p) => `movida a ${p.scheduledTime}`,
  publication_canceled: (p) => p.reason ?? 'cancelada',
  publication_held: (p) =>
    p.cause === 'account'
      ? `la cuenta @${p.username} está ${accountStatus(p.accountStatus)}`
      : p.cause === 'model'
        ? `la modelo ${p.modelName} está en pausa`
        : p.cause === 'quota'
          ? `la cuota de publicación de ${p.platform} está agotada; se publica sola cuando se libere (${p.until})`
          : `la plataforma ${p.platform} está desactivada`,
  publication_unconfirmed: (p) => `${p.errorType}: ${p.message}`,
  media_variant_created: (p) => {
    const what = [
      p.trimToSeconds !== undefined ? `recortado a ${p.trimToSeconds} s` : null,
      p.fitAspect ? `ajustado a ${p.fitAspect} (${p.width}x${p.height})` : null,
      p.watermark ? 'con la marca de agua' : null,
    ].filter(Boolean).join(', ');
    return `${p.platform}: ${what}${p.reused ? ' (se reutilizó el archivo existente)' : ''}`;
  },
  account_resumed: (p) =>
    p.loggedInOn !== undefined
      ? `@${p.username} en ${p.loggedInOn} volvió a iniciar sesión; ${released(p.released.length)}`
      : `@${p.username} activa de nuevo; ${released(p.released.length)}`,
  session_checked: (p) => `@${p.username} en ${p.platform}: ${p.state}`,
  post_missing: (p) => `la página de la publicación dice que no está disponible (${p.missingChecks}/2 antes de darla por borrada)`,
  post_deleted: (p) => `la publicación ${p.url} ya no existe (${p.missingChecks} lecturas seguidas la encontraron no disponible)`,
  telegram_linked: (p) => {
    const who = p.username ? `@${p.username} (${p.telegramUserId})` : String(p.telegramUserId);
    return `usuario de Telegram ${who} vinculado${p.previousModelId ? ` (desvinculado de la modelo ${p.previousModelId})` : ''}`;
  },
  model_paused: (p) => `${p.reason ?? 'pausada a mano'}; ${held(p.held.length)}`,
  model_resumed: (p) => `activa de nuevo; ${released(p.released.length)}`,
  model_created: (p) => `modelo ${p.name} creada${p.preset ? ` desde el preajuste ${p.preset}` : ''}`,
  model_updated: (p) => `modelo ${p.name}: cambió ${p.changed.join(', ')}`,
  account_created: (p) => `cuenta @${p.username} creada en ${p.platform}`,
  account_updated: (p) =>
    `cuenta @${p.username} en ${p.platform}: cambió ${p.changed.join(', ')}${p.status ? ` (ahora ${accountStatus(p.status)})` : ''}`,
  account_deleted: (p) => `cuenta @${p.username} en ${p.platform} eliminada`,
  platform_updated: (p) => {
    const moved = p.held ? `; ${held(p.held.length)}` : p.released ? `; ${released(p.released.length)}` : '';
    return `plataforma ${p.platform} ${p.active ? 'activa' : 'desactivada'}: cambió ${p.changed.join(', ')}${moved}`;
  },
  alert_acknowledged: (p) => `alerta ${p.alertEventId} (${p.kind}) atendida`,
  api_token_created: (p) => `token de API «${p.name}» creado`,
  api_token_revoked: (p) => `token de API «${p.name}» revocado`,
  admin_session_revoked: (p) =>
    `sesión del panel cerrada (${{ logout: 'cierre de sesión', revoked: 'revocada desde la lista', password_changed: 'cambio de contraseña' }[p.reason]})`,
  admin_password_changed: (p) => `contraseña del panel cambiada; ${p.revokedSessions} sesiones cerradas`,
  moderation_rule_changed: (p) =>
    `regla de moderación ${{ created: 'creada', updated: 'editada', deleted: 'borrada' }[p.action]}: ${p.kind} «${p.value}»` +
    ` (${p.platform ?? 'todas las plataformas'}, ${p.modelName ?? 'todas las modelos'})`,
  media_retention: (p) =>
    `retención: vídeos de ${p.published.contents} contenidos publicados y ${p.rejected.contents} rechazados o repetidos, ` +
    `${p.evidence.attempts} evidencias y ${p.incoming.files} subidas huérfanas eliminados (${megabytes(p.published.bytes + p.rejected.bytes + p.evidence.bytes + p.incoming.bytes)} MB)`,
  stream_source_created: (p) => `Fuente de transmisiones añadida: ${p.site} @${p.username}`,
  stream_source_deleted: (p) => `Fuente de transmisiones eliminada: ${p.site} @${p.username}`,
  stream_started: (p) => `En vivo en ${p.site} (@${p.username})`,
  stream_ended: (p) => `Terminó la transmisión en ${p.site} (@${p.username}): ${p.tokens} tokens, US$ ${p.amountUsd}`,
  earnings_imported: (p) => `CSV de ${p.site}${p.fileName ? ` ${p.fileName}` : ''} importado: ${p.streams} transmisiones, ${p.earnings} líneas de ingresos (${p.skipped} ya guardadas)`,
  content_reposted: (p) => p.live ? `Publicación "en vivo ahora" creada en ${p.accounts} cuenta(s)` : `Contenido republicado en ${p.accounts} cuenta(s)`,
  live_post_created: (p) => `Publicación en vivo disparada en ${p.accounts} cuenta(s)`,
  reach_drop: (p) => `Caída de alcance en las últimas ${p.posts} publicaciones (mediana ${p.medianViews} vistas a las 24 h)`,
  learned_slots_suggested: (p) =>
    `horarios aprendidos sugeridos para ${p.suggestions.length + p.more} modelo${p.suggestions.length + p.more === 1 ? '' : 's'}: ${p.suggestions.map((x) => `${x.modelName} ${x.suggested.join(', ')}`).join('; ')}${p.more ? ` y ${p.more} más` : ''}`,
} satisfies EventDescriptions;
