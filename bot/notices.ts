/**
 * What each event becomes in Telegram, and for whom (the outbox in bot/outbox.ts hands the events over in
 * order): the model's feedback (approved, rejected, duplicate, published) in her language, and for the admin
 * chat approval cards, the approval reminder and alerts. The words are in messages/{es,en}/notices.ts (the admin
 * chat reads Spanish) and the model's in bot/messages.ts; each notice reads its event's typed payload.
 *
 * Alerts fold: the same alert (same key) within the cooldown edits the first message's count instead of
 * sending another one.
 */
import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { AlertPayload, EventDescriptions, EventKind, EventPayloads } from '../contracts/events.js';
import { effectiveRules } from '../core/rules.js';
import { accountContext } from '../db/accounts.js';
import { findContent, INGEST_ACTOR } from '../db/contents.js';
import type { TypedEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import { publicationContext } from '../db/publications.js';
import { alertsToRefresh, contentForNotice, findAlert, findCard, foldAlert, markAlertShown, saveAlert } from '../db/telegram.js';
import { messagesFor } from '../messages/index.js';
import { contentLabels } from '../services/contents.js';
import { callbackData, decisionLine, markCard, sendApprovalCard } from './cards.js';
import { logError, type BotDeps } from './deps.js';
import { clip, esc, shortId, textsFor } from './messages.js';
import type { OutboxHandler } from './outbox.js';

/** The admin chat reads Spanish, like the dashboard. */
const admin = messagesFor('es');
const texts = admin.notices;

/** An event of one kind, its payload narrowed. */
type EventOf<K extends EventKind> = Extract<TypedEvent, { type: K }>;

type Buttons = { text: string; data: string }[][];

export interface NoticeOptions {
  /** Folded repeats edit the alert at most this often. */
  foldEditEveryMs?: number;
}

/** An event's description in the admin's language (the stored one is English). */
function describeForAdmin<K extends EventKind>(kind: K, payload: EventPayloads[K]): string {
  const descriptions: EventDescriptions = admin.events;
  return descriptions[kind](payload);
}

export class Notices implements OutboxHandler {
  private readonly foldEditEveryMs: number;

  constructor(private readonly deps: BotDeps, private readonly api: Api, options: NoticeOptions = {}) {
    this.foldEditEveryMs = options.foldEditEveryMs ?? 5_000;
  }

  async handle(event: TypedEvent): Promise<void> {
    switch (event.type) {
      case 'approval_requested': return this.approvalCard(event);
      case 'approval_reminder': return this.approvalReminder(event);
      case 'content_approved': return this.approved(event);
      case 'content_rejected': return this.rejected(event);
      case 'content_duplicate': return this.duplicate(event);
      case 'publication_published': return this.published(event);
      case 'session_expired': return this.sessionExpired(event);
      case 'alert': return this.alertEvent(event);
      case 'learned_slots_suggested': return this.learnedSlots(event);
      default: return;
    }
  }

  /** Folded repeats that arrived while edits were throttled get shown once the throttle allows. */
  async afterRound(): Promise<void> {
    if (this.adminChatId === undefined) return;
    for (const alert of await alertsToRefresh(this.deps.db, new Date(Date.now() - this.foldEditEveryMs))) await this.showFolds(alert);
  }

  // ── The model's feedback ──────────────────────────────────────────────────────────────────

  /** The model's chat and language, for contents she sent through the bot (API uploads are the admin's). */
  private async modelTarget(contentId: string | null) {
    if (!contentId) return undefined;
    const found = await contentForNotice(this.deps.db, contentId);
    if (!found || !found.content.sentBy.startsWith('telegram:') || !found.model.telegramUserId) return undefined;
    return { ...found, chatId: found.model.telegramUserId, texts: textsFor(effectiveRules(found.model.distribution).language) };
  }

  private async toModel(chatId: number, text: string) {
    await this.api.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }

  private async approved(event: EventOf<'content_approved'>) {
    if (!event.contentId) return;
    const target = await this.modelTarget(event.contentId);
    if (target) await this.toModel(target.chatId, target.texts.approved(event.contentId));
    await markCard(this.deps, this.api, event.contentId, decisionLine({ approved: true, actor: event.actor }));
  }

  /** By a person: the model reads the reason and the card shows it. By ingest: the model reads it, and an admin alert. */
  private async rejected(event: EventOf<'content_rejected'>) {
    if (!event.contentId) return;
    const target = await this.modelTarget(event.contentId);
    if (target) await this.toModel(target.chatId, target.texts.rejected(event.contentId, target.content.rejectionReason ?? event.data.reason));
    if (event.actor === INGEST_ACTOR) return this.ingestRejected(event);
    const content = target?.content ?? (await findContent(this.deps.db, event.contentId));
    await markCard(this.deps, this.api, event.contentId, decisionLine({ approved: false, actor: event.actor, reason: content?.rejectionReason ?? event.data.reason }));
  }

  private async duplicate(event: EventOf<'content_duplicate'>) {
    const target = await this.modelTarget(event.contentId);
    if (!target) return;
    await this.toModel(target.chatId, target.texts.duplicate(target.content.id, target.content.rejectionReason ?? event.description));
  }

  private async published(event: EventOf<'publication_published'>) {
    if (!event.publicationId) return;
    const ctx = await publicationContext(this.deps.db, event.publicationId);
    if (!ctx?.publication.postUrl) return;
    const target = await this.modelTarget(ctx.content.id);
    if (!target) return;
    // A draft waits in her app without its caption (TikTok's inbox takes none): she gets the text to paste.
    const text = event.data.draft
      ? target.texts.publishedAsDraft(ctx.content.id, ctx.platform.name, ctx.publication.captionUsed ?? '')
      : target.texts.published(ctx.content.id, ctx.platform.name, ctx.publication.postUrl);
    await this.toModel(target.chatId, text);
  }

  // ── The admin chat ────────────────────────────────────────────────────────────────────────

  private get adminChatId() {
    return this.deps.config.telegram.adminChatId;
  }

  private async approvalCard(event: EventOf<'approval_requested'>) {
    if (this.adminChatId === undefined || !event.contentId) return;
    const found = await contentForNotice(this.deps.db, event.contentId);
    if (!found || found.content.status !== 'new') return;
    const { warnings } = await contentLabels(this.deps.db, found.content);
    await sendApprovalCard(this.deps, this.api, this.adminChatId, found.content, found.model, warnings.map((w) => texts.approvalWarning[w.code]));
  }

  private async approvalReminder(event: EventOf<'approval_reminder'>) {
    if (!event.contentId) return;
    const card = await findCard(this.deps.db, event.contentId);
    const content = await findContent(this.deps.db, event.contentId);
    if (!card || card.decidedAt || content?.status !== 'new') return;
    await this.api.sendMessage(card.chatId, texts.approvalReminder(shortId(event.contentId)), {
      parse_mode: 'HTML', reply_parameters: { message_id: card.messageId, allow_sending_without_reply: true },
    });
  }

  private async ingestRejected(event: EventOf<'content_rejected'>) {
    if (!event.contentId) return;
    const found = await contentForNotice(this.deps.db, event.contentId);
    const t = texts.ingestRejected;
    const body = [
      t.title,
      t.who(esc(found?.model.name ?? t.unknownModel), shortId(event.contentId)),
      t.reason(esc(clip(event.data.reason, 500))),
      found?.content.sentBy.startsWith('telegram:') ? t.modelTold : undefined,
    ].filter(Boolean).join('\n');
    await this.alert(`ingest:${event.modelId ?? ''}:${event.data.code ?? 'media'}`, body);
  }

  /** "Model · platform @username" of the event's account. */
  private async accountLine(accountId: string) {
    const found = await accountContext(this.deps.db, accountId);
    return found ? texts.account(esc(found.model.name), esc(found.platform.name), esc(found.account.username)) : texts.unknownAccount;
  }

  private async sessionExpired(event: EventOf<'session_expired'>) {
    if (!event.accountId) return;
    const body = [
      texts.sessionExpired.title,
      await this.accountLine(event.accountId),
      texts.sessionExpired.body,
      texts.detail(esc(clip(describeForAdmin('session_expired', event.data), 300))),
    ].join('\n');
    await this.alert(`account:${event.accountId}`, body);
  }

  private async alertEvent(event: EventOf<'alert'>) {
    const alert = event.data;
    switch (alert.kind) {
      case 'publication_failed':
      case 'publication_unconfirmed':
        if (event.publicationId) return this.publicationAlert(alert, event.publicationId);
        break;
      // An expired session is announced once, by its session_expired event; the alerts recorded with it say the same.
      case 'session_expired':
        return;
      case 'account_paused':
        if (alert.status === 'session_expired') return;
        if (event.accountId) return this.accountPaused(alert, event.accountId);
        break;
    }
    return this.generalAlert(event);
  }

  private async publicationAlert(alert: AlertPayload<'publication_failed' | 'publication_unconfirmed'>, publicationId: string) {
    const ctx = await publicationContext(this.deps.db, publicationId);
    if (!ctx) return;
    const { publication, model, platform, account } = ctx;
    const { kind, errorType } = alert;
    const failed = kind === 'publication_failed';
    const t = texts.publication;
    const body = [
      failed ? t.failedTitle : t.unconfirmedTitle,
      t.where(esc(model.name), esc(platform.name), esc(account.username), shortId(publication.id)),
      t.error(esc(clip(publication.lastError ?? describeForAdmin('publication_failed', alert), 400))),
      t.attempts(publication.attempts),
      failed ? t.failedHint : t.unconfirmedHint,
    ].join('\n');
    await this.alert(`publication:${kind}:${account.id}:${errorType}`, body, [[{ text: t.retryButton, data: callbackData.retry(publication.id) }]]);
  }

  private async accountPaused(alert: AlertPayload<'account_paused'>, accountId: string) {
    const body = [
      texts.accountPaused.title,
      await this.accountLine(accountId),
      texts.accountPaused.body,
      texts.detail(esc(clip(describeForAdmin('alert', alert), 300))),
    ].join('\n');
    await this.alert(`account:${accountId}`, body);
  }

  private async generalAlert(event: EventOf<'alert'>) {
    const model = event.modelId ? await findModel(this.deps.db, event.modelId) : undefined;
    const body = [
      texts.alert.title,
      model ? texts.alert.who(esc(model.name), event.contentId ? shortId(event.contentId) : undefined) : undefined,
      esc(clip(describeForAdmin('alert', event.data), 800)),
    ].filter(Boolean).join('\n');
    // A failing alert channel (notify/) folds by channel whatever its error says, as on the other channels.
    const key = event.data.kind === 'channel_down'
      ? `channel_down:${event.data.channel}`
      : `alert:${event.data.kind}:${event.modelId ?? ''}:${event.accountId ?? ''}:${event.description.slice(0, 80)}`;
    await this.alert(key, body);
  }

  /** The weekly learned-slots suggestion: one message, never folded (a week apart), nothing applied from here. */
  private async learnedSlots(event: EventOf<'learned_slots_suggested'>) {
    const chatId = this.adminChatId;
    const data = event.data;
    if (chatId === undefined || data.suggestions.length === 0) return;
    const t = texts.learnedSlots;
    const body = [
      t.title,
      t.intro,
      ...data.suggestions.map((s) => t.model(esc(s.modelName), esc(s.suggested.join(', ')), esc(s.current.join(', ') || t.none), s.posts)),
      data.more > 0 ? t.more(data.more) : undefined,
      t.howTo,
    ].filter(Boolean).join('\n');
    await this.api.sendMessage(chatId, body, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }

  // ── Folding ───────────────────────────────────────────────────────────────────────────────

  /** Sends an alert, or folds it into the same alert sent within the cooldown. */
  private async alert(key: string, body: string, buttons?: Buttons) {
    const chatId = this.adminChatId;
    if (chatId === undefined) return;
    const { db, config } = this.deps;
    const existing = await findAlert(db, key);
    if (existing && existing.chatId === chatId && Date.now() - existing.firstAt.getTime() < config.telegram.alertCooldownMs) {
      const folded = await foldAlert(db, key);
      if (folded && Date.now() - folded.editedAt.getTime() >= this.foldEditEveryMs) await this.showFolds(folded);
      return;
    }
    const sent = await this.api.sendMessage(chatId, body, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: keyboard(buttons) });
    await saveAlert(db, { key, chatId, messageId: sent.message_id, body, buttons: buttons ?? null });
  }

  private async showFolds(alert: NonNullable<Awaited<ReturnType<typeof findAlert>>>) {
    const last = new Intl.DateTimeFormat(texts.timeLocale, { hour: '2-digit', minute: '2-digit', hour12: false }).format(alert.lastAt);
    const text = `${alert.body}\n\n${texts.folded(alert.count, last)}`;
    try {
      await this.api.editMessageText(alert.chatId, alert.messageId, text, {
        parse_mode: 'HTML', link_preview_options: { is_disabled: true }, reply_markup: keyboard(alert.buttons ?? undefined),
      });
    } catch (error) {
      if (!(error instanceof GrammyError) || !/not modified/i.test(error.description)) {
        if (error instanceof GrammyError) logError(this.deps, error, 'folded alert not edited', { key: alert.key });
        else throw error;
      }
    }
    await markAlertShown(this.deps.db, alert.key, alert.count);
  }
}

function keyboard(buttons: Buttons | undefined) {
  if (!buttons?.length) return undefined;
  const board = new InlineKeyboard();
  buttons.forEach((row, i) => {
    if (i > 0) board.row();
    for (const b of row) board.text(b.text, b.data);
  });
  return board;
}
