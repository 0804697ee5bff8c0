/**
 * The Prometheus metrics of this process: one prom-client registry, every family defined here once (names
 * prefixed `trafico_`, each with its HELP text), so every role exposes the same families and the Grafana dashboard
 * (ops/grafana/dashboards/trafico.json) can be checked against one scrape.
 *
 * Two kinds of series:
 * - recorded where things happen (publish attempts, failures and durations in the publish activities; bot updates
 *   in a grammY middleware);
 * - read at scrape time from a *source* the owning role provides (`provideMetricSource`): publications by status
 *   and queue backlog (web), click recorder figures (web), browser slots (worker), outbox lag (bot). A role that
 *   does not own a source shows the family with no samples, so Prometheus never adds the same figure up twice.
 *   Each source read has a deadline; a failing or slow one leaves its series empty for that scrape and counts in
 *   `trafico_metrics_source_errors_total`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'trafico_' });

export interface QueueBacklog {
  queue: string;
  /** Tasks waiting in the queue (Temporal's approximate backlog count). */
  tasks: number;
  /** Age of the oldest waiting task, in seconds (0 when none wait). */
  ageSeconds: number;
}

/** What the roles provide; each is read once per scrape (shared by the series it feeds), under a deadline. */
export interface MetricSources {
  /** Publications per status, every status present (0 for none). */
  publicationsByStatus: () => Promise<Record<string, number>>;
  queueBacklog: () => Promise<QueueBacklog[]>;
  /** The click recorder of this web process (services/clicks/recorder.ts `stats()`). */
  clicks: () => { stored: number; dropped: number; buffered: number };
  browserSlots: () => { busy: number; total: number };
  /** The notifier's outbox: age of the oldest event not yet handled (0 when none), and how many wait (capped). */
  outbox: () => Promise<{ lagSeconds: number; pending: number }>;
}
type SourceName = keyof MetricSources;
type SourceValue<K extends SourceName> = Awaited<ReturnType<MetricSources[K]>>;

const sourceDeadlineMs = 3000;
const sources: { [K in SourceName]?: MetricSources[K] } = {};
/** One read per source per scrape: the series of one source share it (a scrape reads them within milliseconds). */
const reads = new Map<SourceName, { at: number; value: Promise<unknown> }>();
const readReuseMs = 1000;

/**
 * This process serves `name` from `source` (the last one provided wins: tests start the app more than once in a
 * process). Returns the undo, which only removes this very source.
 */
export function provideMetricSource<K extends SourceName>(name: K, source: MetricSources[K]): () => void {
  sources[name] = source as (typeof sources)[K];
  reads.delete(name);
  return () => {
    if (sources[name] === source) {
      delete sources[name];
      reads.delete(name);
    }
  };
}

/** Registered last (end of this file): its collect waits for this scrape's reads, so their failures show at once. */
const sourceErrors = new Counter({
  name: 'trafico_metrics_source_errors_total',
  help: 'Scrape-time reads that failed or missed their deadline, by source (their series are left out of that scrape)',
  labelNames: ['source'],
  registers: [],
  async collect() {
    await Promise.all([...reads.values()].map((entry) => entry.value));
  },
});

/** A scrape-time read outside the sources above failed (the Temporal core's exporter). */
export function countSourceError(source: string): void {
  sourceErrors.inc({ source });
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function read<K extends SourceName>(name: K): Promise<SourceValue<K> | undefined> {
  const source = sources[name];
  if (!source) return undefined;
  let entry = reads.get(name);
  if (!entry || Date.now() - entry.at > readReuseMs) {
    const value = withDeadline(Promise.resolve().then(() => (source as () => unknown)()), sourceDeadlineMs, name).catch(() => {
      sourceErrors.inc({ source: name });
      return undefined;
    });
    entry = { at: Date.now(), value };
    reads.set(name, entry);
  }
  return (await entry.value) as SourceValue<K> | undefined;
}

/**
 * A single-valued series fed by a source: no sample at all while this process has no such source (a prom-client
 * Gauge without labels always shows 0, which would read as "fine" on a role that simply does not own it).
 */
function sourcedSeries<K extends SourceName>(type: 'gauge' | 'counter', name: string, help: string, source: K, pick: (value: SourceValue<K>) => number) {
  registry.registerMetric({
    name,
    help,
    type,
    async get() {
      const value = await read(source);
      return { name, help, type, aggregator: 'sum', values: value === undefined ? [] : [{ value: pick(value), labels: {} }] };
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

// ── Publications and queues (web role) ─────────────────────────────────────────────────────────

new Gauge({
  name: 'trafico_publications',
  help: 'Publications by status, counted in the database at scrape time (web role)',
  labelNames: ['status'],
  registers: [registry],
  async collect() {
    const counts = await read('publicationsByStatus');
    this.reset();
    for (const [status, n] of Object.entries(counts ?? {})) this.set({ status }, n);
  },
});

new Gauge({
  name: 'trafico_queue_backlog_tasks',
  help: 'Tasks waiting on each Temporal task queue (DescribeTaskQueue with reportStats: approximate backlog; web role)',
  labelNames: ['queue'],
  registers: [registry],
  async collect() {
    const queues = await read('queueBacklog');
    this.reset();
    for (const q of queues ?? []) this.set({ queue: q.queue }, q.tasks);
  },
});

new Gauge({
  name: 'trafico_queue_backlog_age_seconds',
  help: 'Age of the oldest task waiting on each Temporal task queue, in seconds (0 when none waits; web role)',
  labelNames: ['queue'],
  registers: [registry],
  async collect() {
    const queues = await read('queueBacklog');
    this.reset();
    for (const q of queues ?? []) this.set({ queue: q.queue }, q.ageSeconds);
  },
});

// ── Publishing (worker role: the publish activities of the browser and api task queues) ──────────

const publishLabels = ['platform', 'driver'] as const;

const publishAttempts = new Counter({
  name: 'trafico_publish_attempts_total',
  help: 'Publish attempts (one per run of the publish activity), by platform and driver (browser or api)',
  labelNames: publishLabels,
  registers: [registry],
});

const publishFailures = new Counter({
  name: 'trafico_publish_failures_total',
  help: 'Failed publish attempts by platform, driver and error type (core/publish-errors.ts; Retryable for untyped errors)',
  labelNames: [...publishLabels, 'error_type'],
  registers: [registry],
});

const publishDuration = new Histogram({
  name: 'trafico_publish_duration_seconds',
  help: 'Time a publish attempt spends at the platform (browser: inside its slot and account lock; api: the driver calls), by platform, driver and outcome',
  labelNames: [...publishLabels, 'outcome'],
  buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  registers: [registry],
});

export type PublishDriverKind = 'browser' | 'api';
export interface PublishMetricLabels {
  platform: string;
  driver: PublishDriverKind;
}

/** Error types seen so far: a label's values stay few even if an unexpected failure type shows up. */
const errorTypesSeen = new Set<string>();
const maxErrorTypes = 40;

function errorTypeLabel(type: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(type)) return 'Other';
  if (errorTypesSeen.has(type)) return type;
  if (errorTypesSeen.size >= maxErrorTypes) return 'Other';
  errorTypesSeen.add(type);
  return type;
}

export const publishMetrics = {
  attempt(labels: PublishMetricLabels): void {
    publishAttempts.inc({ ...labels });
  },
  failure(labels: PublishMetricLabels, errorType: string): void {
    publishFailures.inc({ ...labels, error_type: errorTypeLabel(errorType) });
  },
  /** Starts the clock of one attempt's work at the platform; call the result once with how it ended. */
  timer(labels: PublishMetricLabels): (outcome: 'success' | 'failure') => void {
    const stop = publishDuration.startTimer({ ...labels });
    let stopped = false;
    return (outcome) => {
      if (stopped) return;
      stopped = true;
      stop({ outcome });
    };
  },
};

/** Times `work` as one publish attempt's platform work. */
export async function timePublish<T>(labels: PublishMetricLabels, work: () => Promise<T>): Promise<T> {
  const stop = publishMetrics.timer(labels);
  try {
    const result = await work();
    stop('success');
    return result;
  } catch (error) {
    stop('failure');
    throw error;
  }
}

sourcedSeries('gauge', 'trafico_browser_slots_busy', 'Browser jobs holding one of this worker\'s BROWSER_SLOTS right now (worker role)', 'browserSlots', (v) => v.busy);
sourcedSeries('gauge', 'trafico_browser_slots', 'Browser slots of this worker (BROWSER_SLOTS; worker role)', 'browserSlots', (v) => v.total);

// ── Tracking links (web role) ──────────────────────────────────────────────────────────────────

// The recorder counts since its start: counters in Prometheus' sense (they restart at 0 with the process).
sourcedSeries('counter', 'trafico_clicks_recorded_total', 'Tracking-link clicks written to the database by this web process since it started', 'clicks', (v) => v.stored);
sourcedSeries('counter', 'trafico_clicks_dropped_total', 'Tracking-link clicks lost by this web process since it started (buffer full, refused batch, or left at shutdown)', 'clicks', (v) => v.dropped);
sourcedSeries('gauge', 'trafico_clicks_buffered', 'Tracking-link clicks held in memory waiting to be written (web role)', 'clicks', (v) => v.buffered);

// ── Telegram bot (bot role; the web role in webhook mode) ─────────────────────────────────────

const botUpdates = new Counter({
  name: 'trafico_bot_updates_total',
  help: 'Telegram updates handled by the bot, by update type (message, callback_query, …)',
  labelNames: ['type'],
  registers: [registry],
});

const botUpdateTypes = new Set(['message', 'edited_message', 'callback_query', 'channel_post', 'edited_channel_post', 'my_chat_member', 'chat_member']);

/** Counts one update; `update` is the raw Telegram update (its one field besides update_id names its type). */
export function countBotUpdate(update: object): void {
  const type = Object.keys(update).find((key) => key !== 'update_id') ?? 'other';
  botUpdates.inc({ type: botUpdateTypes.has(type) ? type : 'other' });
}

sourcedSeries('gauge', 'trafico_outbox_lag_seconds', 'Age of the oldest event the Telegram notifier has not delivered yet, in seconds (0 when it is up to date; bot role)', 'outbox', (v) => v.lagSeconds);
sourcedSeries('gauge', 'trafico_outbox_pending_events', 'Events waiting for the Telegram notifier (counted up to 10000; bot role)', 'outbox', (v) => v.pending);

registry.registerMetric(sourceErrors);
