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
import { adminTexts as words, clip, esc, formatCount, formatUsd, shortId } from './messages.js';

const maxReasonLength = 1000;

/** A service error as one line the admin can act on. */
export function serviceErrorText(error: unknown): string | undefined {
  if (!(error instanceof ServiceError)) return undefined;
  const errors = words.errors;
  switch (error.code) {
    case 'temporal_unavailable': return errors.temporalUnavailable;
    case 'already_decided': return errors.alreadyDecided;
    case 'not_waiting': return errors.notWaiting;
    case 'missing_reason': return errors.missingReason;
    case 'not_found': return errors.notFound;
    case 'ambiguous_model': return errors.ambiguousModel(error.details?.candidates ?? []);
    case 'unknown_model': return errors.unknownModel;
    case 'missing_model': return errors.missingModel;
    case 'no_workflow': return errors.noWorkflow;
    case 'invalid_state': return errors.invalidState;
    case 'caption_violations': return errors.captionViolations(Object.keys(error.details?.fields ?? {}).map((f) => f.replace(/^captions\./, '')));
    default: return error.kind === 'unavailable' ? errors.unavailable : error.message;
  }
}

function statusText(report: Awaited<ReturnType<typeof statusReport>>): string {
  const p = report.publications;
  const t = words.status;
  const ok = (v: boolean) => (v ? '✅' : '❌');
  const workers = Object.entries(report.health.workers).map(([q, w]) => `${q} ${ok(w.ok)}`).join(' · ') || t.noWorkers;
  const lines = [
    t.title(report.health.status === 'ok' ? '🟢' : '🔴'),
    t.scheduledHeld(p.scheduled, p.held),
    t.processing(p.processing),
    t.failedUnconfirmed(p.failed, p.unconfirmed),
    t.published(p.published),
    t.pendingApproval(report.pendingApproval),
    '',
    t.health(ok(report.health.db.ok), ok(report.health.temporal.ok), workers),
  ];
  if (report.pausedModels.length) lines.push(t.pausedModels(report.pausedModels));
  if (report.accountsNotActive.length) {
    lines.push('', t.accountsTitle);
    const names: Record<string, string> = words.accountStatus;
    for (const a of report.accountsNotActive.slice(0, 15)) {
      lines.push(t.account({ model: a.modelName, platform: a.platformName, username: a.username, status: names[a.status] ?? a.status }));
    }
  }
  if (p.failed + p.unconfirmed > 0) lines.push('', t.failedHint);
  return lines.join('\n');
}

/** Rows per list in /daily and /weekly, and characters per name: 2 × 10 rows of at most ~140 characters stay well
 * inside one Telegram message with the totals and the earnings lines. */
const summaryListRows = 10;
const summaryNameChars = 48;

export function summaryText(title: string, s: PeriodSummary): string {
  const t = words.summary;
  const row = (r: { published: number; views: number; likes: number; clicks: number }) =>
    t.row({ published: formatCount(r.published), views: formatCount(r.views), likes: formatCount(r.likes), clicks: formatCount(r.clicks) });
  // A studio's every platform and model would pass Telegram's 4,096 characters (the whole message is then refused):
  // the top rows — by clicks, the traffic the product exists for, then views, then posts — names clipped, and how
  // many more the dashboard has.
  const top = <R extends { published: number; views: number; likes: number; clicks: number }>(rows: R[], nameOf: (r: R) => string) => {
    const ranked = [...rows].sort((a, b) => b.clicks - a.clicks || b.views - a.views || b.published - a.published || nameOf(a).localeCompare(nameOf(b)));
    const shown = ranked.slice(0, summaryListRows).map((r) => t.item(clip(nameOf(r), summaryNameChars), row(r)));
    return ranked.length > summaryListRows ? [...shown, t.more(formatCount(ranked.length - summaryListRows))] : shown;
  };
  const lines = [t.title(title), row(s.totals)];
  if (s.byPlatform.length) lines.push('', t.byPlatform, ...top(s.byPlatform, (r) => r.platformName));
  if (s.byModel.length) lines.push('', t.byModel, ...top(s.byModel, (r) => r.modelName));
  if (!s.byPlatform.length) lines.push('', t.empty);
  if (s.earnings) {
    const e = s.earnings;
    lines.push('', t.earnings(formatUsd(e.amountUsd), formatCount(e.sessions)));
    lines.push(e.bestPlatform ? t.bestPlatform(e.bestPlatform.name, formatUsd(e.bestPlatform.amountUsd), t.method[e.bestPlatform.method]) : t.noBestPlatform);
  }
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
    if (adminChatId === undefined || chatId !== adminChatId) return answer(words.answers.notAvailable);
    const parsed = typeof ctx.callbackQuery.data === 'string' ? parseCallback(ctx.callbackQuery.data) : undefined;
    if (!parsed) return answer(words.answers.unknownAction);
    const actor = actorOf(ctx.from);
    try {
      if (parsed.action === 'approve') {
        await approveContent(services, parsed.id, { actor });
        await answer(words.answers.approved);
        await markCard(deps, ctx.api, parsed.id, decisionLine({ approved: true, actor }));
      } else if (parsed.action === 'reject') {
        const content = await findContent(db, parsed.id);
        if (!content) return answer(words.answers.contentNotFound);
        if (content.status !== 'new') return answer(words.answers.alreadyDecided(words.contentStatus[content.status] ?? content.status));
        const card = await findCard(db, parsed.id);
        const prompt = await ctx.reply(words.reject.prompt(parsed.id), {
          parse_mode: 'HTML',
          reply_markup: { force_reply: true, input_field_placeholder: words.reject.placeholder },
          ...(card ? { reply_parameters: { message_id: card.messageId, allow_sending_without_reply: true } } : {}),
        });
        if (card) await setCardPrompt(db, parsed.id, prompt.message_id);
        else return answer(words.answers.cardNotRegistered);
        await answer(words.answers.writeReason);
      } else {
        await retryPublication(services, parsed.id, { actor });
        await answer(words.answers.retrying);
        await safeReply(deps, ctx, words.failed.retryRequested(parsed.id, actor.replace('telegram:', '')));
      }
    } catch (error) {
      const text = serviceErrorText(error);
      if (!text) throw error;
      if (error instanceof ServiceError && error.code === 'invalid_state') {
        const publication = await findPublication(db, parsed.id);
        return answer(publication ? words.answers.cannotRetry(words.publicationStatus[publication.status]) : text, true);
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
    await safeReply(deps, ctx, words.help);
  });

  admin.command('status', async (ctx) => safeReply(deps, ctx, statusText(await statusReport(db, temporal))));
  admin.command(['daily', 'diario'], async (ctx) => safeReply(deps, ctx, summaryText(words.summary.dailyTitle, await periodSummary(db, 1))));
  admin.command(['weekly', 'semanal'], async (ctx) => safeReply(deps, ctx, summaryText(words.summary.weeklyTitle, await periodSummary(db, 7, new Date(), { earnings: true }))));

  /** Characters of model lines in one /pause or /resume answer: the rest of Telegram's 4,096 is the usage text. */
  const modelListBudget = 3_500;
  const modelCommand = (verb: 'pause' | 'resume') => async (ctx: Context) => {
    const query = argOf(ctx);
    if (!query) {
      // The ones the verb applies to first (active ones to pause, paused ones to resume), within one Telegram message.
      const models = await listModels(db);
      const relevant = (status: string) => (verb === 'pause' ? status !== 'paused' : status === 'paused');
      const ordered = [...models.filter((m) => relevant(m.status)), ...models.filter((m) => !relevant(m.status))];
      const lines: string[] = [];
      let length = 0;
      for (const m of ordered) {
        const line = words.models.item(m.name, words.modelStatus[m.status] ?? words.modelStatus.active);
        if (length + line.length + 1 > modelListBudget) break;
        lines.push(line);
        length += line.length + 1;
      }
      if (lines.length < ordered.length) lines.push(words.models.more(ordered.length - lines.length));
      return safeReply(deps, ctx, words.models.usage(verb, lines.join('\n') || words.models.none));
    }
    try {
      const model = await resolveModel(db, clip(query, 200));
      const actor = actorOf(ctx.from);
      if (verb === 'pause') {
        if (model.status === 'paused') return safeReply(deps, ctx, words.models.alreadyPaused(model.name));
        const { held } = await pauseModel(services, model.id, { actor, reason: 'paused from the admin chat' });
        return safeReply(deps, ctx, words.models.paused(model.name, held.length));
      }
      if (model.status !== 'paused') return safeReply(deps, ctx, words.models.notPaused(model.name));
      const { released } = await resumeModel(services, model.id, { actor });
      return safeReply(deps, ctx, words.models.resumed(model.name, released.length));
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
    if (rows.length === 0) return safeReply(deps, ctx, words.failed.none);
    const keyboard = new InlineKeyboard();
    const lines = rows.map((r) => {
      keyboard.text(`🔁 #${shortId(r.id)} ${clip(r.platformName, 20)}`, callbackData.retry(r.id)).row();
      return words.failed.item({
        id: r.id, model: r.modelName, platform: r.platformName, username: r.accountUsername, status: words.publicationStatus[r.status],
        attempts: r.attempts, error: clip(r.lastError ?? words.failed.noDetail, 200),
      });
    });
    return safeReply(deps, ctx, [words.failed.title, ...lines, '', words.failed.footer].join('\n'), { reply_markup: keyboard });
  });

  admin.command(['retry', 'reintentar'], async (ctx) => {
    const raw = argOf(ctx).toLowerCase().replace(/^#/, '');
    if (!/^[0-9a-f-]{6,36}$/.test(raw)) return safeReply(deps, ctx, words.failed.retryUsage);
    const matches = await publicationsByIdPrefix(db, raw);
    if (matches.length === 0) return safeReply(deps, ctx, words.failed.retryNotFound(raw));
    if (matches.length > 1) return safeReply(deps, ctx, words.failed.retryAmbiguous(raw));
    const target = matches[0]!;
    try {
      await retryPublication(services, target.id, { actor: actorOf(ctx.from) });
      return safeReply(deps, ctx, words.failed.retrying(target.id));
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'invalid_state') {
        return safeReply(deps, ctx, words.failed.cannotRetry(target.id, words.publicationStatus[target.status]));
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
    if (!reason) return safeReply(deps, ctx, words.reject.reasonNotText);
    if (reason.length > maxReasonLength) return safeReply(deps, ctx, words.reject.reasonTooLong(maxReasonLength));
    const actor = actorOf(ctx.from);
    try {
      await rejectContent(services, card.contentId, { actor, reason });
      await setCardPrompt(db, card.contentId, null);
      await markCard(deps, ctx.api, card.contentId, decisionLine({ approved: false, actor, reason }));
      return safeReply(deps, ctx, words.reject.done(card.contentId));
    } catch (error) {
      const text = serviceErrorText(error);
      if (!text) throw error;
      return safeReply(deps, ctx, esc(text));
    }
  });

  // Unknown commands in the admin chat get the list; other chatter in a group is not for the bot.
  admin.on('message:text', async (ctx, next) => {
    if (String(ctx.message.text).startsWith('/')) return safeReply(deps, ctx, words.help);
    return next();
  });
  admin.use(async (ctx, next) => {
    // A private admin chat is also a person's chat: let the model side answer (it refuses if she is not linked).
    if (ctx.chat?.type === 'private') return next();
  });

  return composer;
}
