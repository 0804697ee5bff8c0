/**
 * The admin chat (TELEGRAM_ADMIN_CHAT_ID): approval card buttons, the reason for a rejection, the Retry button of
 * alerts, and `/status`, `/daily`, `/weekly`, `/pause`, `/resume`, `/failed`, `/retry`. Every action goes
 * through the same services as the API. Callback buttons pressed anywhere else are refused.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { listModels } from '../db/models.js';
import { publicationsByIdPrefix } from '../db/publications.js';
import { findCard, findCardByPrompt, setCardPrompt } from '../db/telegram.js';
import { findContent } from '../db/contents.js';
import { findPublication } from '../db/publications.js';
import { approveContent, rejectContent } from '../services/contents.js';
import { ServiceError } from '../services/errors.js';
import { pauseModel, resolveModel, resumeModel } from '../services/models.js';
import { retryPublication } from '../services/publications.js';
import { failedPublications, periodSummary, statusReport, type PeriodSummary } from '../services/reports.js';
import { callbackData, decisionLine, markCard, parseCallback } from './cards.js';
import { actorOf, logError, safeReply, type BotDeps } from './deps.js';
import { adminHelp, adminPublicationStatus, clip, esc, formatCount, shortId } from './messages.js';

const maxReasonLength = 1000;

const contentStatusEs: Record<string, string> = { new: 'pendiente', approved: 'aprobado', rejected: 'rechazado', duplicate: 'repetido', reusable: 'reutilizable' };

/** A service error as one line the admin can act on. */
export function serviceErrorText(error: unknown): string | undefined {
  if (!(error instanceof ServiceError)) return undefined;
  switch (error.code) {
    case 'temporal_unavailable': return 'Temporal no responde; no se hizo nada. Inténtalo de nuevo en un momento.';
    case 'already_decided': return 'Ese contenido ya estaba decidido.';
    case 'not_waiting': return 'Ese contenido ya no espera una decisión.';
    case 'missing_reason': return 'El motivo no puede estar vacío.';
    case 'not_found': return 'No lo encontré (quizá fue borrado).';
    case 'ambiguous_model': return `Hay varias modelos que coinciden: ${error.message.split(' matches ')[1] ?? ''}. Escribe el nombre completo.`;
    case 'unknown_model': return `No hay ninguna modelo con ese nombre. /pause sin nombre lista las modelos.`;
    default: return error.kind === 'unavailable' ? 'El sistema no responde; no se hizo nada. Inténtalo en un momento.' : error.message;
  }
}

function statusText(report: Awaited<ReturnType<typeof statusReport>>): string {
  const p = report.publications;
  const ok = (v: boolean) => (v ? '✅' : '❌');
  const workers = Object.entries(report.health.workers).map(([q, w]) => `${q} ${ok(w.ok)}`).join(' · ') || 'sin datos';
  const lines = [
    `<b>Estado</b> ${report.health.status === 'ok' ? '🟢' : '🔴'}`,
    `📅 Programadas: <b>${p.scheduled}</b> · ⏸ Retenidas: <b>${p.held}</b>`,
    `⚙️ Procesando: <b>${p.processing}</b>`,
    `🔴 Fallidas: <b>${p.failed}</b> · 🟠 Sin confirmar: <b>${p.unconfirmed}</b>`,
    `✅ Publicadas: <b>${p.published}</b>`,
    `📝 Esperando aprobación: <b>${report.pendingApproval}</b>`,
    '',
    `<b>Salud</b>: base de datos ${ok(report.health.db.ok)} · Temporal ${ok(report.health.temporal.ok)} · workers: ${workers}`,
  ];
  if (report.pausedModels.length) lines.push(`⏸ Modelos en pausa: ${report.pausedModels.map(esc).join(', ')}`);
  if (report.accountsNotActive.length) {
    lines.push('', '<b>Cuentas que no publican</b>');
    const names: Record<string, string> = { paused: 'pausada', session_expired: 'sesión caducada', disabled: 'desactivada', active: 'activa' };
    for (const a of report.accountsNotActive.slice(0, 15)) lines.push(`• ${esc(a.modelName)} · ${esc(a.platformName)} @${esc(a.username)}: ${names[a.status] ?? a.status}`);
  }
  if (p.failed + p.unconfirmed > 0) lines.push('', '/failed para verlas y reintentarlas');
  return lines.join('\n');
}

function summaryText(title: string, s: PeriodSummary): string {
  const row = (r: { published: number; views: number; likes: number; clicks: number }) =>
    `${formatCount(r.published)} publicados · ${formatCount(r.views)} vistas · ${formatCount(r.likes)} likes · ${formatCount(r.clicks)} clics`;
  const lines = [`📊 <b>${title}</b>`, row(s.totals)];
  if (s.byPlatform.length) lines.push('', '<b>Por plataforma</b>', ...s.byPlatform.map((r) => `• ${esc(r.platformName)}: ${row(r)}`));
  if (s.byModel.length) lines.push('', '<b>Por modelo</b>', ...s.byModel.map((r) => `• ${esc(r.modelName)}: ${row(r)}`));
  if (!s.byPlatform.length) lines.push('', 'Sin publicaciones ni clics en este periodo.');
  return lines.join('\n');
}

const argOf = (ctx: Context) => (typeof ctx.match === 'string' ? ctx.match : '').trim();

export function adminComposer(deps: BotDeps): Composer<Context> {
  const { db, temporal, config } = deps;
  const adminChatId = config.telegram.adminChatId;
  const services = { db, temporal, lifecycle: config.lifecycle };
  const composer = new Composer<Context>();

  // Buttons: only the admin chat may press them; anything else gets an answer (so the spinner stops) and nothing happens.
  composer.on('callback_query', async (ctx) => {
    // Without a query id there is nothing to answer (and no real Telegram update looks like that).
    if (typeof ctx.callbackQuery.id !== 'string' || ctx.callbackQuery.id === '') return;
    const answer = (text: string, alert = false) => ctx.answerCallbackQuery({ text, show_alert: alert }).catch((e) => logError(deps, e, 'callback answer failed'));
    const chatId = ctx.callbackQuery.message?.chat.id;
    if (adminChatId === undefined || chatId !== adminChatId) return answer('Esta acción no está disponible.');
    const parsed = typeof ctx.callbackQuery.data === 'string' ? parseCallback(ctx.callbackQuery.data) : undefined;
    if (!parsed) return answer('Acción desconocida o caducada.');
    const actor = actorOf(ctx.from);
    try {
      if (parsed.action === 'approve') {
        await approveContent(services, parsed.id, { actor });
        await answer('✅ Aprobado');
        await markCard(deps, ctx.api, parsed.id, decisionLine({ approved: true, actor }));
      } else if (parsed.action === 'reject') {
        const content = await findContent(db, parsed.id);
        if (!content) return answer('No encontré ese contenido.');
        if (content.status !== 'new') return answer(`Ya estaba decidido: ${contentStatusEs[content.status] ?? content.status}.`);
        const card = await findCard(db, parsed.id);
        const prompt = await ctx.reply(`✍️ Escribe el motivo para rechazar <b>#${shortId(parsed.id)}</b> respondiendo a este mensaje. La modelo lo leerá.`, {
          parse_mode: 'HTML',
          reply_markup: { force_reply: true, input_field_placeholder: 'Motivo del rechazo' },
          ...(card ? { reply_parameters: { message_id: card.messageId, allow_sending_without_reply: true } } : {}),
        });
        if (card) await setCardPrompt(db, parsed.id, prompt.message_id);
        else return answer('Esta tarjeta no está registrada; rechaza desde el dashboard.');
        await answer('Escribe el motivo del rechazo');
      } else {
        await retryPublication(services, parsed.id, { actor });
        await answer('🔁 Reintentando');
        await safeReply(deps, ctx, `🔁 Reintento de la publicación <b>#${shortId(parsed.id)}</b> pedido por ${esc(actor.replace('telegram:', ''))}.`);
      }
    } catch (error) {
      const text = serviceErrorText(error);
      if (!text) throw error;
      if (error instanceof ServiceError && error.code === 'invalid_state') {
        const publication = await findPublication(db, parsed.id);
        return answer(publication ? `No se puede reintentar: la publicación está ${adminPublicationStatus[publication.status]}.` : text, true);
      }
      await answer(text, error instanceof ServiceError && error.kind === 'unavailable');
      if (error instanceof ServiceError && error.code === 'already_decided') {
        // Decided elsewhere (dashboard, API) before the button: make the card say so.
        const content = await findContent(db, parsed.id);
        if (content && (content.status === 'approved' || content.status === 'rejected')) {
          await markCard(deps, ctx.api, parsed.id, decisionLine({
            approved: content.status === 'approved', actor: (content.status === 'approved' ? content.approvedBy : content.rejectedBy) ?? 'system',
            reason: content.rejectionReason,
          }));
        }
      }
    }
  });

  const admin = composer.filter((ctx) => adminChatId !== undefined && ctx.chat?.id === adminChatId);

  admin.command(['help', 'start', 'ayuda'], async (ctx, next) => {
    // In a private admin chat, /start CODE is still a model linking herself (e.g. the admin testing the bot).
    if (ctx.hasCommand('start') && argOf(ctx)) return next();
    await safeReply(deps, ctx, adminHelp);
  });

  admin.command('status', async (ctx) => safeReply(deps, ctx, statusText(await statusReport(db, temporal))));
  admin.command(['daily', 'diario'], async (ctx) => safeReply(deps, ctx, summaryText('Resumen de las últimas 24 h', await periodSummary(db, 1))));
  admin.command(['weekly', 'semanal'], async (ctx) => safeReply(deps, ctx, summaryText('Resumen de los últimos 7 días', await periodSummary(db, 7))));

  const modelCommand = (verb: 'pause' | 'resume') => async (ctx: Context) => {
    const query = argOf(ctx);
    if (!query) {
      const models = await listModels(db);
      const list = models.map((m) => `• ${esc(m.name)} — ${m.status === 'paused' ? '⏸ en pausa' : m.status === 'testing' ? 'en prueba' : 'activa'}`).join('\n');
      return safeReply(deps, ctx, `Uso: <code>/${verb} NOMBRE</code>\n\n<b>Modelos</b>\n${list || 'ninguna'}`);
    }
    try {
      const model = await resolveModel(db, clip(query, 200));
      const actor = actorOf(ctx.from);
      if (verb === 'pause') {
        if (model.status === 'paused') return safeReply(deps, ctx, `${esc(model.name)} ya estaba en pausa. /resume ${esc(model.name)} para reanudarla.`);
        const { held } = await pauseModel(services, model.id, { actor, reason: 'paused from the admin chat' });
        return safeReply(deps, ctx, `⏸ <b>${esc(model.name)}</b> en pausa: ${held.length} publicación(es) retenida(s); las que llegue a tener también esperan. /resume ${esc(model.name)} para reanudarla.`);
      }
      if (model.status !== 'paused') return safeReply(deps, ctx, `${esc(model.name)} no estaba en pausa.`);
      const { released } = await resumeModel(services, model.id, { actor });
      return safeReply(deps, ctx, `▶️ <b>${esc(model.name)}</b> reanudada: ${released.length} publicación(es) liberada(s).`);
    } catch (error) {
      const text = serviceErrorText(error);
      if (!text) throw error;
      return safeReply(deps, ctx, esc(text));
    }
  };
  admin.command(['pause', 'pausar'], modelCommand('pause'));
  admin.command(['resume', 'reanudar'], modelCommand('resume'));

  admin.command(['failed', 'fallidas'], async (ctx) => {
    const rows = await failedPublications(db, 10);
    if (rows.length === 0) return safeReply(deps, ctx, '✅ No hay publicaciones fallidas ni sin confirmar.');
    const keyboard = new InlineKeyboard();
    const lines = rows.map((r) => {
      keyboard.text(`🔁 #${shortId(r.id)} ${clip(r.platformName, 20)}`, callbackData.retry(r.id)).row();
      return `• <b>#${shortId(r.id)}</b> ${esc(r.modelName)} → ${esc(r.platformName)} @${esc(r.accountUsername)} · ${adminPublicationStatus[r.status]} · ${r.attempts} intento(s)\n  ${esc(clip(r.lastError ?? 'sin detalle', 200))}`;
    });
    return safeReply(deps, ctx, ['<b>Publicaciones que esperan a una persona</b>', ...lines, '', 'Reintenta con los botones o con /retry ID.'].join('\n'), { reply_markup: keyboard });
  });

  admin.command(['retry', 'reintentar'], async (ctx) => {
    const raw = argOf(ctx).toLowerCase().replace(/^#/, '');
    if (!/^[0-9a-f-]{6,36}$/.test(raw)) return safeReply(deps, ctx, 'Uso: <code>/retry ID</code> (el ID de /failed; bastan los primeros 8 caracteres).');
    const matches = await publicationsByIdPrefix(db, raw);
    if (matches.length === 0) return safeReply(deps, ctx, `No encontré ninguna publicación #${esc(raw)}.`);
    if (matches.length > 1) return safeReply(deps, ctx, `#${esc(raw)} coincide con varias publicaciones; escribe más caracteres del ID.`);
    const target = matches[0]!;
    try {
      await retryPublication(services, target.id, { actor: actorOf(ctx.from) });
      return safeReply(deps, ctx, `🔁 Reintentando la publicación <b>#${shortId(target.id)}</b>. Te aviso si vuelve a fallar.`);
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'invalid_state') {
        return safeReply(deps, ctx, `No se puede reintentar #${shortId(target.id)}: está ${adminPublicationStatus[target.status]} (solo fallidas, sin confirmar o retenidas).`);
      }
      const text = serviceErrorText(error);
      if (!text) throw error;
      return safeReply(deps, ctx, esc(text));
    }
  });

  // The reason for a rejection: a reply to the bot's "write the reason" prompt.
  admin.on('message', async (ctx, next) => {
    const replyTo = ctx.message.reply_to_message;
    const card = replyTo && replyTo.from?.id === ctx.me.id && Number.isSafeInteger(replyTo.message_id) ? await findCardByPrompt(db, ctx.chat.id, replyTo.message_id) : undefined;
    if (!card) return next();
    const reason = typeof ctx.message.text === 'string' ? ctx.message.text.trim() : '';
    if (!reason) return safeReply(deps, ctx, 'Escribe el motivo como texto, respondiendo al mensaje anterior.');
    if (reason.length > maxReasonLength) return safeReply(deps, ctx, `El motivo es demasiado largo (máximo ${maxReasonLength} caracteres). Resúmelo y responde de nuevo.`);
    const actor = actorOf(ctx.from);
    try {
      await rejectContent(services, card.contentId, { actor, reason });
      await setCardPrompt(db, card.contentId, null);
      await markCard(deps, ctx.api, card.contentId, decisionLine({ approved: false, actor, reason }));
      return safeReply(deps, ctx, `❌ Rechazado <b>#${shortId(card.contentId)}</b>. La modelo recibirá el motivo.`);
    } catch (error) {
      const text = serviceErrorText(error);
      if (!text) throw error;
      return safeReply(deps, ctx, esc(text));
    }
  });

  // Unknown commands in the admin chat get the list; other chatter in a group is not for the bot.
  admin.on('message:text', async (ctx, next) => {
    if (String(ctx.message.text).startsWith('/')) return safeReply(deps, ctx, adminHelp);
    return next();
  });
  admin.use(async (ctx, next) => {
    // A private admin chat is also a person's chat: let the model side answer (it refuses if she is not linked).
    if (ctx.chat?.type === 'private') return next();
  });

  return composer;
}
