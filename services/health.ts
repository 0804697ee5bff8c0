/**
 * Health checks (GET /healthz, the overview, the bot's /status): a query, a Temporal round trip with the pollers
 * Temporal sees on each task queue, and the free disk of DATA_DIR. Each check has its own deadline and they run side
 * by side, so a database that never answers costs the deadline, not a hung request; a check still running when the
 * next request comes is shared rather than started again (a public route must not pile up connections).
 * Error texts are scrubbed of credentials here, once; `publicHealth` drops them (and the queue names) altogether.
 */
import type { Client } from '@temporalio/client';
import type { DiskCheck, Health, HealthComponents, PublicHealth } from '../contracts/api/health.js';
import { TaskQueues } from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { pingDb } from '../db/client.js';
import type { ClickStats } from './clicks/recorder.js';
import { diskSpace } from './storage.js';
import { redacted, scrubSecrets } from '../core/redact.js';

export type { Health, PublicHealth };

export interface HealthOptions {
  /** Deadline of each check (HEALTH_CHECK_TIMEOUT_MS). */
  timeoutMs?: number;
  /** The free-disk check: DATA_DIR and MIN_FREE_DISK_MB; absent = not checked. */
  disk?: { path: string; minFreeBytes: number };
}

export const defaultHealthTimeoutMs = 2_000;

/**
 * An error's text without what must not leave the server (core/redact.ts: URL credentials, secret query values,
 * bot and bearer tokens; plus any secret-named parameter and a `password=` in a driver's message); one line, at most
 * 300 characters.
 */
export function scrubErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return scrubSecrets(text)
    // Broader than the shared rules, for what a health check quotes: any parameter named like a secret, short tokens.
    .replace(/([?&;](?:[^=&\s]*(?:token|secret|password|passwd|pwd|key|auth|sig|signature|code|session)[^=&\s]*)=)[^&\s#]+/gi, `$1${redacted}`)
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${redacted}`)
    .replace(/(\bpassword\s*[=:]\s*)\S+/gi, `$1${redacted}`)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

class DeadlineExceeded extends Error {}

/** `work` or, after `ms`, an error saying so (the work itself may go on; its result is then ignored). */
function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** One in-flight run per check and target: a check that has not answered yet is joined, not repeated. */
const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();
function shared<T>(target: object, name: string, run: () => Promise<T>): Promise<T> {
  let runs = inFlight.get(target);
  if (!runs) inFlight.set(target, (runs = new Map()));
  const running = runs.get(name) as Promise<T> | undefined;
  if (running) return running;
  const started = run().finally(() => runs.delete(name));
  runs.set(name, started);
  return started;
}

async function checkDb(db: Db, ms: number): Promise<Health['db']> {
  try {
    await withDeadline('database', ms, shared(db, 'ping', () => pingDb(db)));
    return { ok: true };
  } catch (error) {
    return { ok: false, error: scrubErrorText(error) };
  }
}

type TemporalAnswer = Pick<Health, 'temporal' | 'workers'>;

async function askTemporal(temporal: Client, deadline: number): Promise<TemporalAnswer> {
  const service = temporal.workflowService;
  // The gRPC deadline cancels the calls themselves, not only our wait for them.
  return temporal.connection.withDeadline(deadline, async () => {
    await service.getSystemInfo({});
    const queues = Object.values(TaskQueues);
    const answers = await Promise.all(queues.map((queue) => service.describeTaskQueue({
      namespace: temporal.options.namespace,
      taskQueue: { name: queue },
      // Workflow pollers for pipeline; activity pollers for the others (1 = WORKFLOW, 2 = ACTIVITY).
      taskQueueType: queue === TaskQueues.pipeline ? 1 : 2,
    })));
    const workers: Health['workers'] = {};
    queues.forEach((queue, i) => {
      const pollers = answers[i]?.pollers?.length ?? 0;
      workers[queue] = { ok: pollers > 0, pollers };
    });
    return { temporal: { ok: true }, workers };
  });
}

async function checkTemporal(temporal: Client, ms: number): Promise<TemporalAnswer> {
  try {
    return await withDeadline('Temporal', ms, shared(temporal, 'temporal', () => askTemporal(temporal, Date.now() + ms)));
  } catch (error) {
    return { temporal: { ok: false, error: scrubErrorText(error) }, workers: {} };
  }
}

async function checkDisk(disk: NonNullable<HealthOptions['disk']>, ms: number): Promise<DiskCheck> {
  try {
    const space = await withDeadline('disk', ms, diskSpace(disk.path));
    return { ok: space.freeBytes >= disk.minFreeBytes, ...space, minFreeBytes: disk.minFreeBytes };
  } catch (error) {
    return { ok: false, freeBytes: null, totalBytes: null, minFreeBytes: disk.minFreeBytes, error: scrubErrorText(error) };
  }
}

/** Every check, side by side, each within its deadline. */
export async function checkHealth(db: Db, temporal: Client, clicks?: ClickStats, options: HealthOptions = {}): Promise<Health> {
  const ms = options.timeoutMs ?? defaultHealthTimeoutMs;
  const [dbCheck, temporalAnswer, disk] = await Promise.all([
    checkDb(db, ms),
    checkTemporal(temporal, ms),
    options.disk ? checkDisk(options.disk, ms) : Promise.resolve(undefined),
  ]);
  const workersOk = Object.keys(temporalAnswer.workers).length > 0 && Object.values(temporalAnswer.workers).every((w) => w.ok);
  const up = (ok: boolean) => (ok ? 'ok' as const : 'degraded' as const);
  const components: HealthComponents = {
    db: up(dbCheck.ok), temporal: up(temporalAnswer.temporal.ok), workers: up(workersOk), disk: up(disk?.ok ?? true),
  };
  // A low disk stops uploads (507) but not the dashboard or the redirects: it never makes the whole answer degraded.
  const status = dbCheck.ok && temporalAnswer.temporal.ok && workersOk ? 'ok' as const : 'degraded' as const;
  return {
    status,
    components,
    db: dbCheck,
    ...temporalAnswer,
    ...(disk ? { disk } : {}),
    ...(clicks ? { clicks: clicks.lastError === undefined ? clicks : { ...clicks, lastError: scrubErrorText(clicks.lastError) } } : {}),
  };
}

/** What anyone may read: the status and one word per component; no error text, no queue names, no figures. */
export function publicHealth(health: Pick<Health, 'status' | 'components'>): PublicHealth {
  return { status: health.status, components: health.components };
}
