/**
 * The click recorder: the redirect hands each click to `record()` after answering, and it is written later, in
 * batches (db/clicks.ts `insertClickBatch`: one statement per batch, the rollups folded in it) — when a batch's
 * worth has gathered, every second, and on `close()`. Nothing here ever makes a visitor wait or fail:
 * - `record` is synchronous, never throws and never touches the database;
 * - while the database cannot take a batch, the batch is kept and retried every second, and new clicks gather behind
 *   it up to `clickBufferMax`; beyond that they are dropped and counted, with a warning (no addresses in logs), and
 *   once the database takes writes again one `alert` event (`clicks_dropped`) says how many were lost;
 * - `stats()` (reported by /healthz) says what is buffered, stored and dropped.
 *
 * A batch whose COMMIT was sent but whose answer never came (the connection cut at that instant) is retried and may
 * be stored twice: at-least-once, the safe side for a counter a person reads.
 */
import { recordEvent } from '../../db/events.js';
import { insertClickBatch } from '../../db/clicks.js';
import type { Db } from '../../db/client.js';
import type { TrafficConfig } from '../../config.js';
import { ClickEnricher, type ClickLog, type RawClick } from './enrich.js';

export type { ClickLog, RawClick };

export interface ClickStats {
  /** Clicks waiting in memory (including a batch being written). */
  buffered: number;
  /** Clicks written since start. */
  stored: number;
  /** Clicks lost since start: the buffer was full, a batch the database refused for good, or left at shutdown. */
  dropped: number;
  /** Why the last flush failed, while flushes fail. */
  lastError?: string;
  /** The last successful flush (ISO 8601). */
  lastFlushAt: string | null;
}

export interface ClickRecorderOptions {
  db: Db;
  traffic: Pick<TrafficConfig, 'clickBatchSize' | 'clickBufferMax' | 'geoipCityDbPaths'>;
  log: ClickLog;
  /** Default 1000 ms. */
  flushIntervalMs?: number;
  /** How long `close()` keeps trying to write what is left (default 5000 ms). */
  closeTimeoutMs?: number;
}

/** SQLSTATE classes worth retrying: connection (08), rollback/deadlock (40), resources (53), operator/shutdown (57, 58). */
const transientClasses = new Set(['08', '40', '53', '57', '58']);
/** A batch the database refuses this many times for a reason that is not transient is dropped (counted). */
const maxRefusals = 3;

/** The database's answer code (SQLSTATE) of a failed query, when the database answered at all. */
function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** A short reason: drizzle's own message repeats the whole statement and its parameters. */
function reason(error: unknown): string {
  let e = error as { message?: unknown; cause?: unknown } | undefined;
  while (e?.cause instanceof Error) e = e.cause as typeof e;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return message.slice(0, 200);
}

/**
 * A timed flush every second. Flushing four times a second was tried (bench/redirect.ts): it did not lower the p99
 * at 2,000 req/s (7.2 ms either way) and, with more and smaller transactions, the database fell behind at full load
 * (55 k clicks dropped with the buffer full, none at 1 s).
 */
const defaultFlushIntervalMs = 1000;
/** After a failed write, the next try waits at least this long (the database is away: do not hammer it). */
const retryDelayMs = 1000;

export class ClickRecorder {
  private buffer: RawClick[] = [];
  /** The batch being written (still counted as buffered, put back in front when the write fails). */
  private inFlight = 0;
  private running: Promise<void> | undefined;
  private everythingAsked = false;
  /** A size-triggered flush is scheduled (one setImmediate however many clicks arrive meanwhile). */
  private kicked = false;
  /** After a failed write, size-triggered flushes wait for the timer's retry instead of hammering the database. */
  private retryAt = 0;
  private refusals = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly enricher: ClickEnricher;
  private readonly batchSize: number;
  private readonly bufferMax: number;
  private closed = false;
  private closing: Promise<void> | undefined;

  private stored = 0;
  private dropped = 0;
  /** Dropped since the last `clicks_dropped` alert. */
  private droppedUnreported = 0;
  private droppingLogged = false;
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private lastFlushAt: Date | null = null;
  private writingSince: number | undefined;

  constructor(private readonly opts: ClickRecorderOptions) {
    this.batchSize = Math.max(1, opts.traffic.clickBatchSize);
    this.bufferMax = Math.max(1, opts.traffic.clickBufferMax);
    this.enricher = new ClickEnricher({ db: opts.db, geoipPaths: opts.traffic.geoipCityDbPaths, log: opts.log });
    this.timer = setInterval(() => this.pump(true), opts.flushIntervalMs ?? defaultFlushIntervalMs);
    this.timer.unref();
  }

  /** Takes one click. Synchronous and allocation-light: the redirect calls it after answering. */
  record(click: RawClick): void {
    try {
      if (this.closed) {
        this.drop(1);
        return;
      }
      if (this.buffer.length + this.inFlight >= this.bufferMax) {
        this.drop(1);
        if (!this.droppingLogged) {
          this.droppingLogged = true;
          this.opts.log.warn({ bufferMax: this.bufferMax, lastError: this.lastError }, 'click buffer full: clicks are being dropped until the database takes writes again');
        }
        return;
      }
      this.buffer.push(click);
      if (this.buffer.length >= this.batchSize && !this.kicked && this.running === undefined && Date.now() >= this.retryAt) {
        this.kicked = true;
        setImmediate(() => {
          this.kicked = false;
          this.pump(false);
        });
      }
    } catch {
      // Never the visitor's problem.
    }
  }

  stats(): ClickStats {
    // A write can also hang rather than fail (a database that accepts connections and never answers).
    const hanging = this.writingSince !== undefined && Date.now() - this.writingSince > 5000;
    const lastError = this.lastError ?? (hanging ? `a write has been waiting on the database for ${Math.round((Date.now() - this.writingSince!) / 1000)} s` : undefined);
    return {
      buffered: this.buffer.length + this.inFlight,
      stored: this.stored,
      dropped: this.dropped,
      ...(lastError !== undefined ? { lastError } : {}),
      lastFlushAt: this.lastFlushAt?.toISOString() ?? null,
    };
  }

  /** Writes everything buffered now (tests; `close`). Resolves when that attempt is over, written or not. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    this.pump(true);
    while (this.running) await this.running;
  }

  /** Stops the timer and writes what is left, waiting at most `closeTimeoutMs`; what still could not be written is counted as dropped. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearInterval(this.timer);
      const deadline = Date.now() + (this.opts.closeTimeoutMs ?? 5000);
      let timeout: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => (timeout = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      const drain = (async () => {
        while (this.buffer.length + this.inFlight > 0 && Date.now() < deadline) {
          this.retryAt = 0;
          await this.flush();
          if (this.lastError !== undefined && this.buffer.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      await Promise.race([drain, expired]);
      clearTimeout(timeout);
      const left = this.buffer.length + this.inFlight;
      if (left > 0) {
        this.buffer = [];
        this.drop(left);
        this.opts.log.error({ lost: left, lastError: this.lastError }, 'clicks not written at shutdown: the database did not take them in time');
      }
    })();
    return this.closing;
  }

  private drop(count: number): void {
    this.dropped += count;
    this.droppedUnreported += count;
  }

  /** Starts a flush unless one runs (`everything`: what is buffered now; else only full batches). */
  private pump(everything: boolean): void {
    if (this.running) {
      if (everything) this.everythingAsked = true;
      return;
    }
    if (!everything && Date.now() < this.retryAt) return;
    this.running = this.drain(everything).finally(() => {
      this.running = undefined;
      if (this.everythingAsked) {
        this.everythingAsked = false;
        this.pump(true);
      } else if (this.buffer.length >= this.batchSize && Date.now() >= this.retryAt) {
        this.pump(false);
      }
    });
  }

  private async drain(everything: boolean): Promise<void> {
    let budget = everything ? this.buffer.length : Infinity;
    while (this.buffer.length > 0 && (everything ? budget > 0 : this.buffer.length >= this.batchSize)) {
      const batch = this.buffer.splice(0, this.batchSize);
      budget -= batch.length;
      this.inFlight = batch.length;
      this.writingSince = Date.now();
      try {
        const enriched = await this.enricher.enrich(batch);
        // Enriching and building the statements is synchronous work: let waiting redirects go first (bench/redirect.ts p99).
        await new Promise<void>((resolve) => setImmediate(resolve));
        await insertClickBatch(this.opts.db, enriched);
        this.inFlight = 0;
        this.written(batch.length);
      } catch (error) {
        this.inFlight = 0;
        if (!this.failed(batch, error)) return;
      } finally {
        this.writingSince = undefined;
      }
    }
    if (this.droppedUnreported > 0 && this.failingSince === undefined && this.lastFlushAt) await this.reportDrops();
  }

  private written(count: number): void {
    this.stored += count;
    this.lastFlushAt = new Date();
    this.refusals = 0;
    this.retryAt = 0;
    if (this.failingSince !== undefined) {
      this.opts.log.info({ downForMs: Date.now() - this.failingSince, buffered: this.buffer.length }, 'clicks are being written again');
      this.failingSince = undefined;
    }
    this.lastError = undefined;
  }

  /** A failed write: the batch goes back in front (true: go on with the next one, after a refused batch was dropped). */
  private failed(batch: RawClick[], error: unknown): boolean {
    const code = sqlState(error);
    this.lastError = reason(error);
    if (code && !transientClasses.has(code.slice(0, 2)) && ++this.refusals >= maxRefusals) {
      // The database answered and keeps refusing this batch: retrying would block every click behind it.
      this.refusals = 0;
      this.opts.log.error({ count: batch.length, code, err: this.lastError }, 'click batch refused by the database; dropped');
      this.drop(batch.length);
      return true;
    }
    this.buffer = batch.concat(this.buffer);
    this.retryAt = Date.now() + Math.max(this.opts.flushIntervalMs ?? defaultFlushIntervalMs, retryDelayMs);
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.opts.log.warn({ buffered: this.buffer.length, err: this.lastError }, 'click flush failed; clicks kept in memory and retried every second');
    }
    return false;
  }

  /** One alert for the clicks lost while the database was away (written now that it takes writes). */
  private async reportDrops(): Promise<void> {
    const count = this.droppedUnreported;
    try {
      await recordEvent(this.opts.db, 'alert', { kind: 'clicks_dropped', count, bufferMax: this.bufferMax });
      this.droppedUnreported -= count;
      this.droppingLogged = false;
      this.opts.log.warn({ dropped: count }, 'clicks were dropped while the buffer was full (alert recorded)');
    } catch {
      // Reported at the next successful flush.
    }
  }
}
