/** Worker bootstrap: one Worker per task queue, sharing one connection, one bundle and one browser. */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { cpus } from 'node:os';
import { createApiActivities, createBrowserActivities, createMediaActivities, createPipelineActivities } from '../activities/index.js';
import type { ActivityDeps } from '../activities/deps.js';
import { TaskQueues, type TaskQueueName } from '../contracts/workflows.js';

/** The .ts source under tsx/vitest, the compiled .js under dist/. */
export function workflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundled once per process: webpack takes seconds, and every pipeline worker shares it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
  return bundle;
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
/** Routes the Temporal core's logs through pino at warn level (once per process). */
function installRuntime(deps: ActivityDeps) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const log = deps.log.child({ component: 'temporal' });
  // Activity-only workers say they do not poll for workflows; that is by design here.
  const warn = (message: string, meta?: Record<string, unknown>) =>
    message.startsWith('No workflows registered') ? undefined : log.warn(meta ?? {}, message);
  const error = (message: string, meta?: Record<string, unknown>) => log.error(meta ?? {}, message);
  try {
    Runtime.install({
      logger: {
        log: (level, message, meta) => (level === 'ERROR' ? error(message, meta) : level === 'WARN' ? warn(message, meta) : undefined),
        trace: () => undefined, debug: () => undefined, info: () => undefined, warn, error,
      },
    });
  } catch {
    // Already installed by an earlier start in this process (tests start the app more than once).
  }
}

export interface RunningWorkers {
  queues: TaskQueueName[];
  /** Resolves when every worker has stopped; rejects if one crashed. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startWorkers(
  deps: ActivityDeps,
  opts: { address: string; namespace: string; queues?: TaskQueueName[] },
): Promise<RunningWorkers> {
  installRuntime(deps);
  const queues = opts.queues ?? [TaskQueues.pipeline, TaskQueues.media, TaskQueues.browser, TaskQueues.api];
  const connection = await NativeConnection.connect({ address: opts.address });
  const common = { connection, namespace: opts.namespace };
  const workers: Worker[] = [];
  if (queues.includes(TaskQueues.pipeline)) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: TaskQueues.pipeline,
      workflowBundle: deps.config.workflowBundlePath ? { codePath: deps.config.workflowBundlePath } : await workflowBundle(),
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
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  return {
    queues,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done.catch(() => undefined);
      await deps.browser.close();
      await connection.close();
    },
  };
}
