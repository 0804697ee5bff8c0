/** Worker bootstrap: one Worker per task queue, sharing one connection, one bundle and one browser. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { cpus } from 'node:os';
import { createApiActivities, createBrowserActivities, createMediaActivities, createPipelineActivities } from '../activities/index.js';
import type { ActivityDeps } from '../activities/deps.js';
import { TaskQueues, type TaskQueueName } from '../contracts/workflows.js';
import { provideMetricSource } from '../observability/metrics.js';
import { reserveLoopbackAddress, useTemporalCoreMetrics } from '../observability/temporal-core.js';
import { scrubActivityErrors } from './scrub-errors.js';

/** The .ts source under tsx/vitest, the compiled .js under dist/. */
export function workflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

const execFileAsync = promisify(execFile);

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundled once per process: webpack takes seconds, and every pipeline worker shares it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
  return bundle;
}

let bundleFile: Promise<string> | undefined;
/**
 * The bundle built by worker/build-bundle in a child process, once per process: webpack's memory (~100 MB of
 * idle RSS when it ran here) goes away with the child. Used when WORKFLOW_BUNDLE_PATH is not set.
 */
export function workflowBundleFile(): Promise<string> {
  bundleFile ??= (async () => {
    const script = fileURLToPath(new URL(`./build-bundle.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
    const out = join(tmpdir(), `trafico-workflow-bundle-${process.pid}-${randomUUID()}.js`);
    process.once('exit', () => rmSync(out, { force: true }));
    await execFileAsync(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, out], { maxBuffer: 16 * 1024 * 1024 });
    return out;
  })();
  bundleFile.catch(() => (bundleFile = undefined));
  return bundleFile;
}

/** Writes the bundle to a file, so worker processes can start without webpack (WORKFLOW_BUNDLE_PATH). */
export async function writeWorkflowBundle(path: string): Promise<void> {
  const { code } = await workflowBundle();
  await writeFile(path, code);
}

const quietBundlerLogger = {
  log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined,
  warn: (message: string) => console.warn(message), error: (message: string) => console.error(message),
};

let runtimeInstalled = false;
/**
 * Routes the Temporal core's logs through pino at warn level, and exports the core's worker metrics on a loopback
 * port that our /metrics fetches and appends (observability/temporal-core.ts); once per process.
 */
async function installRuntime(deps: ActivityDeps) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const metricsAddress = await reserveLoopbackAddress();
  const log = deps.log.child({ component: 'temporal' });
  // Activity-only workers say they do not poll for workflows; that is by design here.
  const warn = (message: string, meta?: Record<string, unknown>) =>
    message.startsWith('No workflows registered') ? undefined : log.warn(meta ?? {}, message);
  const error = (message: string, meta?: Record<string, unknown>) => log.error(meta ?? {}, message);
  const logger = {
    log: (level: string, message: string, meta?: Record<string, unknown>) => (level === 'ERROR' ? error(message, meta) : level === 'WARN' ? warn(message, meta) : undefined),
    trace: () => undefined, debug: () => undefined, info: () => undefined, warn, error,
  };
  // Counters end in _total and durations are histograms in seconds, as Prometheus names them.
  const metrics = { metricPrefix: 'trafico_temporal_', prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } };
  try {
    Runtime.install({ logger, telemetryOptions: { metrics } });
    useTemporalCoreMetrics(metricsAddress);
  } catch (installError) {
    // Already installed by an earlier start in this process (tests start the app more than once): keep that one.
    if (/already been (installed|instantiated)/.test((installError as Error).message)) return;
    // The exporter could not start (its port was taken meanwhile): run without the core's metrics.
    log.warn({ err: (installError as Error).message }, 'Temporal core metrics not exported');
    try {
      Runtime.install({ logger });
    } catch {
      // Installed after all.
    }
  }
}

export interface RunningWorkers {
  queues: TaskQueueName[];
  /** Resolves when every worker has stopped; rejects if one crashed. */
  done: Promise<void>;
  /**
   * Settles as soon as any one worker stops: rejects with its error when it crashed, resolves when it was shut down
   * (by `shutdown()`, or by the Temporal runtime on SIGINT/SIGTERM/SIGQUIT/SIGUSR2). main.ts treats a stop it did not
   * ask for as fatal, so a process whose queues are no longer polled does not live on doing nothing.
   */
  firstStopped: Promise<void>;
  /** Every worker is polling (state RUNNING). */
  running(): boolean;
  shutdown(): Promise<void>;
}

export async function startWorkers(
  deps: ActivityDeps,
  opts: { address: string; namespace: string; queues?: TaskQueueName[] },
): Promise<RunningWorkers> {
  await installRuntime(deps);
  const removeSlotsSource = provideMetricSource('browserSlots', () => deps.browser.slotUse);
  const queues = opts.queues ?? [TaskQueues.pipeline, TaskQueues.media, TaskQueues.browser, TaskQueues.api];
  const connection = await NativeConnection.connect({ address: opts.address });
  // Every activity's failure leaves scrubbed of secrets (worker/scrub-errors.ts).
  const common = { connection, namespace: opts.namespace, interceptors: { activity: [scrubActivityErrors] } };
  const workers: Worker[] = [];
  if (queues.includes(TaskQueues.pipeline)) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: TaskQueues.pipeline,
      workflowBundle: { codePath: deps.config.workflowBundlePath ?? await workflowBundleFile() },
      activities: createPipelineActivities(deps),
    }));
  }
  if (queues.includes(TaskQueues.media)) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: TaskQueues.media,
      activities: createMediaActivities(deps),
      // ffmpeg is CPU-bound: one job per core.
      maxConcurrentActivityTaskExecutions: Math.max(1, cpus().length),
    }));
  }
  if (queues.includes(TaskQueues.browser)) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: TaskQueues.browser,
      activities: createBrowserActivities(deps),
      maxConcurrentActivityTaskExecutions: deps.config.browserSlots,
    }));
  }
  if (queues.includes(TaskQueues.api)) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: TaskQueues.api,
      activities: createApiActivities(deps),
      // No Chromium here: jobs mostly wait on the network, so many run at once (rate limits pace them).
      maxConcurrentActivityTaskExecutions: deps.config.apiJobSlots,
    }));
  }
  const runs = workers.map((w) => w.run());
  const done = Promise.all(runs).then(() => undefined);
  const firstStopped = Promise.race(runs).then(() => undefined);
  // Handled here too: a caller watching only one of them sees no unhandled rejection from the other.
  done.catch(() => undefined);
  firstStopped.catch(() => undefined);
  return {
    queues,
    done,
    firstStopped,
    running: () => workers.every((w) => w.getState() === 'RUNNING'),
    async shutdown() {
      removeSlotsSource();
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done.catch(() => undefined);
      await deps.browser.close();
      await connection.close();
    },
  };
}
