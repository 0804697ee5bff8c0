import type { Client } from '@temporalio/client';
import { TaskQueues } from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { pingDb } from '../db/client.js';
import type { ClickStats } from './clicks/recorder.js';

export interface Health {
  status: 'ok' | 'degraded';
  db: { ok: boolean; error?: string };
  temporal: { ok: boolean; error?: string };
  workers: Record<string, { ok: boolean; pollers: number }>;
  /** This web process's click recorder (reported, never a reason to be degraded: redirects go on without the database). */
  clicks?: ClickStats;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Real checks: a query, a Temporal round trip, and the pollers Temporal sees on each task queue. */
export async function checkHealth(db: Db, temporal: Client, clicks?: ClickStats): Promise<Health> {
  const health: Health = { status: 'ok', db: { ok: true }, temporal: { ok: true }, workers: {}, ...(clicks ? { clicks } : {}) };
  await pingDb(db).catch((e) => (health.db = { ok: false, error: errorText(e) }));
  try {
    await temporal.workflowService.getSystemInfo({});
    for (const queue of Object.values(TaskQueues)) {
      // Workflow pollers for pipeline; activity pollers for the others (1 = WORKFLOW, 2 = ACTIVITY).
      const taskQueueType = queue === TaskQueues.pipeline ? 1 : 2;
      const { pollers } = await temporal.workflowService.describeTaskQueue({
        namespace: temporal.options.namespace,
        taskQueue: { name: queue },
        taskQueueType,
      });
      health.workers[queue] = { ok: (pollers?.length ?? 0) > 0, pollers: pollers?.length ?? 0 };
    }
  } catch (e) {
    health.temporal = { ok: false, error: errorText(e) };
  }
  const workersOk = Object.values(health.workers).every((w) => w.ok) && Object.keys(health.workers).length > 0;
  if (!health.db.ok || !health.temporal.ok || !workersOk) health.status = 'degraded';
  return health;
}
