/**
 * The bot's outbox: it reads new system_events rows after a cursor kept in the database (telegram_outbox) and
 * turns them into Telegram messages — the model's feedback (approved, rejected, duplicate, published), approval
 * cards and alerts for the admin chat. Workflows stay untouched: they already record every transition as an
 * event, and only the bot talks to Telegram.
 *
 * - One sender at a time: a lease on the cursor row, renewed while sending.
 * - At least once: the cursor moves after each event is handled; a crash in between may repeat one message.
 * - Ordered: a gap in the event ids may be a transaction still committing, so the notifier waits for it up to
 *   `gapGraceMs` before going past it (rolled back inserts leave permanent gaps).
 * - Telegram refusing a message (blocked bot, deleted chat) skips it; the network being down retries it.
 * - Alerts fold: the same alert (same key) within the cooldown edits the first message's count instead of
 *   sending another one.
 */
import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultDistributionRules } from '../core/types.js';
import { acquireOutbox, advanceOutbox, eventsAfter, releaseOutbox } from '../db/events.js';
import { alertsToRefresh, contentForNotice, findAlert, findCard, foldAlert, markAlertShown, saveAlert } from '../db/telegram.js';
import { accountContext } from '../db/accounts.js';
import { INGEST_ACTOR } from '../db/contents.js';
import { findContent } from '../db/contents.js';
import { findModel } from '../db/models.js';
import { publicationContext } from '../db/publications.js';
import type { SystemEvent } from '../db/schema.js';
import { decisionLine, markCard, sendApprovalCard } from './cards.js';
import { logError, type BotDeps } from './deps.js';
import { clip, esc, shortId, textsFor } from './messages.js';

const leaseMs = 30_000;
const batchSize = 100;

export interface NotifierOptions {
  /** The bot's id: each bot keeps its own cursor. */
  botId: number;
  pollMs?: number;
  gapGraceMs?: number;
  /** Folded repeats edit the alert at most this often. */
  foldEditEveryMs?: number;
}

type Buttons = { text: string; data: string }[][];

export class Notifier {
  private readonly name: string;
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly pollMs: number;
  private readonly gapGraceMs: number;
  private readonly foldEditEveryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private gapSeen: { afterId: number; since: number } | undefined;
  private failures = new Map<number, number>();
  private leaseRenewedAt = 0;

  constructor(private readonly deps: BotDeps, private readonly api: Api, options: NotifierOptions) {
    this.name = `notifier:${options.botId}`;
    this.pollMs = options.pollMs ?? 1000;
    this.gapGraceMs = options.gapGraceMs ?? 10_000;
    this.foldEditEveryMs = options.foldEditEveryMs ?? 5_000;
  }

  start() {
    this.stopped = false;
    this.schedule(0);
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await releaseOutbox(this.deps.db, this.name, this.owner).catch(() => undefined);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let busy = false;
      this.running = this.tick()
        .then((handled) => void (busy = handled >= batchSize))
        .catch((error: unknown) => logError(this.deps, error, 'notifier round failed'))
        .finally(() => {
          this.running = undefined;
          // A full batch means more are waiting: go on at once.
          this.schedule(busy ? 0 : this.pollMs);
        });
    }, ms);
  }

  /** One round: handle the events after the cursor, then refresh folded alerts. Returns how many were handled. */
  async tick(): Promise<number> {
    const { db } = this.deps;
    const cursor = await acquireOutbox(db, this.name, this.owner, leaseMs);
    if (cursor === undefined) return 0;
    this.leaseRenewedAt = Date.now();
    let last = cursor;
    let handled = 0;
    const events = await eventsAfter(db, cursor, batchSize);
    for (const event of events) {
      if (this.stopped) break;
      if (event.id !== last + 1 && !this.gapExpired(last)) break;
      this.gapSeen = undefined;
      if (Date.now() - this.leaseRenewedAt > leaseMs / 3) {
        if ((await acquireOutbox(db, this.name, this.owner, leaseMs)) === undefined) return handled;
        this.leaseRenewedAt = Date.now();
      }
      const done = await this.handleSafely(event);
      if (!done) break;
      last = event.id;
      handled++;
      if (!(await advanceOutbox(db, this.name, this.owner, last))) return handled;
    }
    await this.refreshFolds();
    return handled;
  }

  /** A gap after `afterId` that has lasted longer than the grace period is a rolled-back insert: go past it. */
  private gapExpired(afterId: number): boolean {
    if (!this.gapSeen || this.gapSeen.afterId !== afterId) {
      this.gapSeen = { afterId, since: Date.now() };
      return false;
    }
    return Date.now() - this.gapSeen.since >= this.gapGraceMs;
  }

  /** True when the event is done with (sent, or not worth sending); false to try it again next round. */
  private async handleSafely(event: SystemEvent): Promise<boolean> {
    try {
      await this.handle(event);
      this.failures.delete(event.id);
      return true;
    } catch (error) {
      if (error instanceof GrammyError && error.error_code !== 429 && error.error_code < 500) {
        logError(this.deps, error, 'telegram refused a notification; skipped', { eventId: event.id, type: event.type });
        return true;
      }
      const failures = (this.failures.get(event.id) ?? 0) + 1;
      this.failures.set(event.id, failures);
      logError(this.deps, error, 'notification failed; will retry', { eventId: event.id, type: event.type, failures });
      if (failures >= 20 && !(error instanceof Error && error.name === 'HttpError')) {
        // A bug on one event must not stop every later notification.
        this.failures.delete(event.id);
        return true;
      }
      return false;
    }
  }

  private async handle(event: SystemEvent): Promise<void> {
    switch (event.type) {
      case 'approval_requested': return this.approvalCard(event);
      case 'approval_reminder': return this.approvalReminder(event);
      case 'content_approved': return this.decision(event, true);
      case 'content_rejected': return this.decision(event, false);
      case 'content_duplicate': return this.duplicate(event);
      case 'publication_published': return this.published(event);
      case 'session_expired': return this.sessionExpired(event);
      case 'alert': return this.alertEvent(event);
      default: return;
    }
  }

  // ── The model's feedback ──────────────────────────────────────────────────────────────────

  /** The model's chat and language, for contents she sent through the bot (API uploads are the admin's). */
  private async modelTarget(contentId: string | null) {
    if (!contentId) return undefined;
    const found = await contentForNotice(this.deps.db, contentId);
    if (!found || !found.content.sentBy.startsWith('telegram:') || !found.model.telegramUserId) return undefined;
    const rules = { ...defaultDistributionRules, ...found.model.distribution };
    return { ...found, chatId: found.model.telegramUserId, texts: textsFor(rules.language) };
  }

  private async toModel(chatId: number, text: string) {
    await this.api.sendMessage(chatId, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  }

  private async decision(event: SystemEvent, approved: boolean) {
    if (!event.contentId) return;
    const target = await this.modelTarget(event.contentId);
    const byIngest = event.actor === INGEST_ACTOR;
    if (target) {
      const reason = target.content.rejectionReason ?? event.description;
      await this.toModel(target.chatId, approved ? target.texts.approved(event.contentId) : target.texts.rejected(event.contentId, reason));
    }
    if (!byIngest) {
      const content = target?.content ?? (await findContent(this.deps.db, event.contentId));
      await markCard(this.deps, this.api, event.contentId, decisionLine({ approved, actor: event.actor, reason: content?.rejectionReason ?? event.description }));
    } else {
      await this.ingestRejected(event);
    }
  }

  private async duplicate(event: SystemEvent) {
    const target = await this.modelTarget(event.contentId);
    if (!target) return;
    await this.toModel(target.chatId, target.texts.duplicate(target.content.id, target.content.rejectionReason ?? event.description));
  }

  private async published(event: SystemEvent) {
    if (!event.publicationId) return;
    const ctx = await publicationContext(this.deps.db, event.publicationId);
    if (!ctx?.publication.postUrl) return;
    const target = await this.modelTarget(ctx.content.id);
    if (!target) return;
    await this.toModel(target.chatId, target.texts.published(ctx.content.id, ctx.platform.name, ctx.publication.postUrl));
  }

  // ── The admin chat ────────────────────────────────────────────────────────────────────────

  private get adminChatId() {
    return this.deps.config.telegram.adminChatId;
  }

  private async approvalCard(event: SystemEvent) {
    if (this.adminChatId === undefined || !event.contentId) return;
    const found = await contentForNotice(this.deps.db, event.contentId);
    if (!found || found.content.status !== 'new') return;
    await sendApprovalCard(this.deps, this.api, this.adminChatId, found.content, found.model);
  }

  private async approvalReminder(event: SystemEvent) {
    if (!event.contentId) return;
    const card = await findCard(this.deps.db, event.contentId);
    const content = await findContent(this.deps.db, event.contentId);
    if (!card || card.decidedAt || content?.status !== 'new') return;
    await this.api.sendMessage(card.chatId, `⏰ <b>#${shortId(event.contentId)}</b> sigue esperando tu decisión.`, {
      parse_mode: 'HTML', reply_parameters: { message_id: card.messageId, allow_sending_without_reply: true },
    });
  }

  private async ingestRejected(event: SystemEvent) {
    if (!event.contentId) return;
    const found = await contentForNotice(this.deps.db, event.contentId);
    const code = typeof event.data?.code === 'string' ? event.data.code : 'media';
    const body = [
      '🎞 <b>Video rechazado por la validación</b>',
      `👤 ${esc(found?.model.name ?? 'modelo desconocida')} · #${shortId(event.contentId)}`,
      `Motivo: ${esc(clip(event.description, 500))}`,
      found?.content.sentBy.startsWith('telegram:') ? 'La modelo ya recibió el motivo por el bot.' : undefined,
    ].filter(Boolean).join('\n');
    await this.alert(`ingest:${event.modelId ?? ''}:${code}`, body);
  }

  private async sessionExpired(event: SystemEvent) {
    if (!event.accountId) return;
    const found = await accountContext(this.deps.db, event.accountId);
    const where = found ? `${esc(found.model.name)} · ${esc(found.platform.name)} @${esc(found.account.username)}` : 'una cuenta';
    const body = [
      '🔐 <b>Sesión caducada</b>',
      where,
      'La cuenta quedó en pausa y sus publicaciones programadas esperan. Vuelve a vincular la sesión desde el dashboard y reanuda la cuenta.',
      `<i>${esc(clip(event.description, 300))}</i>`,
    ].join('\n');
    await this.alert(`account:${event.accountId}`, body);
  }

  private async alertEvent(event: SystemEvent) {
    const kind = typeof event.data?.kind === 'string' ? event.data.kind : undefined;
    const errorType = typeof event.data?.errorType === 'string' ? event.data.errorType : undefined;
    if ((kind === 'publication_failed' || kind === 'publication_unconfirmed') && event.publicationId) {
      const ctx = await publicationContext(this.deps.db, event.publicationId);
      if (!ctx) return;
      const { publication, model, platform, account } = ctx;
      const failed = kind === 'publication_failed';
      const body = [
        failed ? '🔴 <b>Publicación fallida</b>' : '🟠 <b>Publicación sin confirmar</b>',
        `${esc(model.name)} → ${esc(platform.name)} @${esc(account.username)} · #${shortId(publication.id)}`,
        `Error: <code>${esc(clip(publication.lastError ?? event.description, 400))}</code>`,
        `Intentos: ${publication.attempts}`,
        failed
          ? 'Reintenta cuando el problema esté resuelto.'
          : 'Puede que sí se haya publicado: revisa la plataforma. Al reintentar primero se busca la publicación anterior.',
      ].join('\n');
      await this.alert(`publication:${kind}:${account.id}:${errorType ?? 'error'}`, body, [[{ text: '🔁 Reintentar', data: `rt:${publication.id}` }]]);
      return;
    }
    // An expired session is announced once, by its session_expired event; the alerts recorded with it say the same.
    if (kind === 'session_expired' || (kind === 'account_paused' && (errorType === 'SessionExpired' || errorType === 'Challenge'))) return;
    if (kind === 'account_paused' && event.accountId) {
      const found = await accountContext(this.deps.db, event.accountId);
      const where = found ? `${esc(found.model.name)} · ${esc(found.platform.name)} @${esc(found.account.username)}` : 'una cuenta';
      const body = [
        '⏸ <b>Cuenta pausada</b>',
        where,
        'La plataforma frenó la cuenta; sus publicaciones programadas esperan hasta que la reanudes.',
        `<i>${esc(clip(event.description, 300))}</i>`,
      ].join('\n');
      await this.alert(`account:${event.accountId}`, body);
      return;
    }
    const model = event.modelId ? await findModel(this.deps.db, event.modelId) : undefined;
    const body = [
      '⚠️ <b>Alerta</b>',
      model ? `👤 ${esc(model.name)}${event.contentId ? ` · #${shortId(event.contentId)}` : ''}` : undefined,
      esc(clip(event.description, 800)),
    ].filter(Boolean).join('\n');
    await this.alert(`alert:${kind ?? 'general'}:${event.modelId ?? ''}:${event.accountId ?? ''}:${event.description.slice(0, 80)}`, body);
  }

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
    const last = new Intl.DateTimeFormat('es-CO', { hour: '2-digit', minute: '2-digit', hour12: false }).format(alert.lastAt);
    const text = `${alert.body}\n\n🔁 <b>Se repitió ${alert.count} veces</b> (la última a las ${last}).`;
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

  /** Folded repeats that arrived while edits were throttled get shown once the throttle allows. */
  private async refreshFolds() {
    if (this.adminChatId === undefined) return;
    for (const alert of await alertsToRefresh(this.deps.db, new Date(Date.now() - this.foldEditEveryMs))) await this.showFolds(alert);
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
