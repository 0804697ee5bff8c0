/**
 * One consumer per alert channel over the ordered event stream, like the bot's outbox (bot/outbox.ts) but with
 * its own durable cursor (`telegram_outbox` row `notify:<channel>`, under a lease, starting after the newest
 * event the first time), so a failing webhook never delays e-mail, nor Telegram.
 *
 * For each alert (alerts.ts):
 * - a `channel_down` about this channel is never sent through it (no loops);
 * - the cooldown: the same key within the cooldown of its last send is folded (counted, not sent); the next send
 *   after the cooldown says how many were folded (`count`);
 * - up to `retry.attempts` tries, waiting baseMs, 2·baseMs, 4·baseMs… (capped at 5 min) in between;
 * - after the last one the alert is skipped and the channel is down: one `alert` event `channel_down`, its
 *   error scrubbed of secrets, that the other channels and Telegram deliver. While down, each alert gets one try
 *   (a dead channel must not fall hours behind); the first success brings it back up.
 * At least once: the cursor moves after an alert is handled, so a crash in between may send it again.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { acquireOutbox, advanceOutbox, eventsAfter, recordEvent, releaseOutbox, type TypedEvent } from '../db/events.js';
import { findAlertWindow, foldIntoWindow, openAlertWindow } from '../db/notify.js';
import { alertOf, type OutgoingAlert } from './alerts.js';
import type { AlertChannel } from './channel.js';
import { errorText, scrubSecrets } from './scrub.js';

export interface NotifyDeps {
  db: Db;
  log: Logger;
  config: Pick<NotifyConfig, 'language' | 'cooldownMs' | 'retry' | 'dashboardUrl'>;
}

export interface ConsumerOptions {
  pollMs?: number;
  gapGraceMs?: number;
  /** The cursor row's name (tests use their own); default `notify:<channel>`. */
  cursorName?: string;
}

/** Longer than one try can take (SMTP: 10 s to connect, 10 s greeting, 20 s of silence), renewed every 20 s. */
export const leaseMs = 120_000;
const renewAfterMs = 20_000;
const batchSize = 100;
/** An event whose alert cannot even be built (a bug, not the channel) is skipped after this many rounds. */
const maxBuildFailures = 20;
const maxBackoffMs = 5 * 60_000;

export function processOwner() {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** The wait before try `attempt + 1`: baseMs·2^(attempt−1), capped, with up to 10 % jitter. */
export function backoffMs(baseMs: number, attempt: number): number {
  return Math.min(maxBackoffMs, baseMs * 2 ** (attempt - 1)) * (1 + Math.random() * 0.1);
}

export class ChannelConsumer {
  private readonly owner = processOwner();
  private readonly cursorName: string;
  private readonly pollMs: number;
  private readonly gapGraceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** stop() was called: rounds end early and no new one starts (tick() also runs without start(), in tests). */
  private closing = false;
  private abort = new AbortController();
  private gapSeen: { afterId: number; since: number } | undefined;
  private buildFailures = new Map<number, number>();
  private leaseRenewedAt = 0;
  /** Failing since its last success: one try per alert, and its channel_down already recorded. */
  private down = false;

  constructor(private readonly deps: NotifyDeps, readonly channel: AlertChannel, options: ConsumerOptions = {}) {
    this.cursorName = options.cursorName ?? `notify:${channel.name}`;
    this.pollMs = options.pollMs ?? 1000;
    this.gapGraceMs = options.gapGraceMs ?? 10_000;
  }

  get isDown() {
    return this.down;
  }

  start() {
    this.closing = false;
    this.abort = new AbortController();
    this.schedule(0);
  }

  async stop() {
    this.closing = true;
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
    await releaseOutbox(this.deps.db, this.cursorName, this.owner).catch(() => undefined);
  }

  private schedule(ms: number) {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      let busy = false;
      this.running = this.tick()
        .then((handled) => void (busy = handled >= batchSize))
        .catch((error: unknown) => this.deps.log.error({ channel: this.channel.name, error: this.scrub(error) }, 'alert channel round failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(busy ? 0 : this.pollMs);
        });
    }, ms);
  }

  /** One round over the events after the cursor; how many were handled. */
  async tick(): Promise<number> {
    const { db } = this.deps;
    const cursor = await acquireOutbox(db, this.cursorName, this.owner, leaseMs);
    if (cursor === undefined) return 0;
    this.leaseRenewedAt = Date.now();
    let last = cursor;
    let handled = 0;
    for (const event of await eventsAfter(db, cursor, batchSize)) {
      if (this.closing) break;
      // A gap may be a transaction still committing: wait for it a while (rolled-back inserts leave gaps for good).
      if (event.id !== last + 1 && !this.gapExpired(last)) break;
      this.gapSeen = undefined;
      if (!(await this.renewLease())) return handled;
      const outcome = await this.handle(event);
      if (outcome === 'retry' || outcome === 'stopped') break;
      last = event.id;
      handled++;
      // Only a sent (or folded) alert is worth a write at once; other events move the cursor at the end.
      if (outcome === 'alert' && !(await advanceOutbox(db, this.cursorName, this.owner, last))) return handled;
    }
    if (last !== cursor) await advanceOutbox(db, this.cursorName, this.owner, last);
    return handled;
  }

  private gapExpired(afterId: number): boolean {
    if (!this.gapSeen || this.gapSeen.afterId !== afterId) {
      this.gapSeen = { afterId, since: Date.now() };
      return false;
    }
    return Date.now() - this.gapSeen.since >= this.gapGraceMs;
  }

  private async renewLease(): Promise<boolean> {
    if (Date.now() - this.leaseRenewedAt <= renewAfterMs) return true;
    if ((await acquireOutbox(this.deps.db, this.cursorName, this.owner, leaseMs)) === undefined) return false;
    this.leaseRenewedAt = Date.now();
    return true;
  }

  /** Waits `ms` (a backoff may last minutes), renewing the lease on the way; false when stopped or the lease is lost. */
  private async waitHoldingLease(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await pause(Math.min(until - Date.now(), renewAfterMs), this.abort.signal);
      if (this.closing || !(await this.renewLease())) return false;
    }
    return true;
  }

  private async handle(event: TypedEvent): Promise<'none' | 'alert' | 'retry' | 'stopped'> {
    let alert: OutgoingAlert | undefined;
    try {
      alert = await alertOf({ db: this.deps.db, language: this.deps.config.language, dashboardUrl: this.deps.config.dashboardUrl }, event);
      this.buildFailures.delete(event.id);
    } catch (error) {
      const failures = (this.buildFailures.get(event.id) ?? 0) + 1;
      this.buildFailures.set(event.id, failures);
      this.deps.log.error({ channel: this.channel.name, eventId: event.id, failures, error: errorText(error) }, 'alert not built; will retry');
      if (failures < maxBuildFailures) return 'retry';
      this.buildFailures.delete(event.id);
      return 'none';
    }
    if (!alert) return 'none';
    // Its own channel_down would go through the channel that is failing: never.
    if (alert.kind === 'channel_down' && alert.channel === this.channel.name) return 'none';
    return this.deliver(alert);
  }

  private async deliver(alert: OutgoingAlert): Promise<'alert' | 'stopped'> {
    const { db, config } = this.deps;
    const name = this.channel.name;
    const window = await findAlertWindow(db, this.cursorName, alert.key);
    if (window && Date.now() - window.firstAt.getTime() < config.cooldownMs) {
      await foldIntoWindow(db, this.cursorName, alert.key);
      return 'alert';
    }
    const outgoing = { ...alert, count: window ? window.count : 1 };
    const attempts = this.down ? 1 : config.retry.attempts;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closing || !(await this.renewLease())) return 'stopped';
      try {
        await this.channel.send(outgoing, this.abort.signal);
      } catch (error) {
        lastError = error;
        this.deps.log.warn({ channel: name, eventId: alert.eventId, attempt, attempts, error: this.scrub(error) }, 'alert not delivered');
        if (attempt < attempts && !(await this.waitHoldingLease(backoffMs(config.retry.baseMs, attempt)))) return 'stopped';
        continue;
      }
      await openAlertWindow(db, this.cursorName, alert.key, alert.title);
      if (this.down) this.deps.log.info({ channel: name }, 'alert channel works again');
      this.down = false;
      return 'alert';
    }
    if (this.closing) return 'stopped';
    await this.channelDown(lastError, attempts);
    return 'alert';
  }

  private async channelDown(error: unknown, attempts: number) {
    if (this.down) return;
    this.down = true;
    const text = this.scrub(error);
    this.deps.log.error({ channel: this.channel.name, error: text }, 'alert channel is down; the other channels are told');
    await recordEvent(this.deps.db, 'alert', { kind: 'channel_down', channel: this.channel.name, error: text, attempts });
  }

  private scrub(error: unknown) {
    return scrubSecrets(errorText(error), this.channel.secrets);
  }
}
