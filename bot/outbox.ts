/**
 * The bot's outbox mechanics: read new system_events rows after a cursor kept in the database
 * (telegram_outbox) and hand each one, in id order, to a handler (bot/notices.ts decides what it becomes).
 * Workflows stay untouched: they already record every transition as an event, and only the bot talks to Telegram.
 *
 * - One sender at a time: a lease on the cursor row, renewed while sending.
 * - At least once: the cursor moves after each event is handled; a crash in between may repeat one message.
 * - Ordered: a gap in the event ids may be a transaction still committing, so the outbox waits for it up to
 *   `gapGraceMs` before going past it (rolled back inserts leave permanent gaps).
 * - Telegram refusing a message (blocked bot, deleted chat) skips it; the network being down retries it; any
 *   other error retries it up to 20 times, then skips it, so one bad event never stops every later one.
 */
import { GrammyError } from 'grammy';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { acquireOutbox, advanceOutbox, eventsAfter, releaseOutbox, type TypedEvent } from '../db/events.js';
import { logError, type BotDeps } from './deps.js';

const leaseMs = 30_000;
const batchSize = 100;
const maxFailures = 20;

export interface OutboxHandler {
  /** Does what the event means (sends, edits); throwing retries it next round, or skips it (see above). */
  handle(event: TypedEvent): Promise<void>;
  /** Runs after every round that held the lease (e.g. showing folded alerts). */
  afterRound?(): Promise<void>;
}

export interface OutboxOptions {
  pollMs?: number;
  gapGraceMs?: number;
}

export class Outbox {
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly pollMs: number;
  private readonly gapGraceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private gapSeen: { afterId: number; since: number } | undefined;
  private failures = new Map<number, number>();
  private leaseRenewedAt = 0;

  /** `name` is the cursor's row in telegram_outbox: each consumer (each bot) keeps its own. */
  constructor(private readonly deps: BotDeps, private readonly name: string, private readonly handler: OutboxHandler, options: OutboxOptions = {}) {
    this.pollMs = options.pollMs ?? 1000;
    this.gapGraceMs = options.gapGraceMs ?? 10_000;
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

  /** One round: handle the events after the cursor, then the handler's afterRound. Returns how many were handled. */
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
    await this.handler.afterRound?.();
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
  private async handleSafely(event: TypedEvent): Promise<boolean> {
    try {
      await this.handler.handle(event);
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
      if (failures >= maxFailures && !(error instanceof Error && error.name === 'HttpError')) {
        // A bug on one event must not stop every later notification.
        this.failures.delete(event.id);
        return true;
      }
      return false;
    }
  }
}
