/**
 * The figures the web role's GET /metrics reads at scrape time (observability/metrics.ts sources): publications by
 * status from the database, and each Temporal task queue's backlog from DescribeTaskQueue with `reportStats`
 * (Temporal's approximate backlog count and the age of the oldest task; server 1.25+).
 */
import type { Client } from '@temporalio/client';
import type { PublicationStatus } from '../core/types.js';
import { TaskQueues } from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { publicationStatusCountsBounded } from '../db/ops-metrics.js';

const allStatuses: PublicationStatus[] = ['scheduled', 'held', 'processing', 'published', 'failed', 'canceled', 'unconfirmed', 'published_as_draft'];

/** Every status present (0 when none), so a status that empties shows 0 rather than vanishing. */
export async function publicationsByStatus(db: Db): Promise<Record<string, number>> {
  const counts = await publicationStatusCountsBounded(db);
  return Object.fromEntries(allStatuses.map((status) => [status, counts[status] ?? 0]));
}

export interface QueueBacklogFigures {
  queue: string;
  tasks: number;
  ageSeconds: number;
}

/**
 * Per task queue: the tasks waiting and the age of the oldest (workflow tasks for `pipeline`, activity tasks for
 * the others — what their workers poll). Each call has a 2 s deadline.
 */
export async function queueBacklog(temporal: Client): Promise<QueueBacklogFigures[]> {
  return Promise.all(Object.values(TaskQueues).map(async (queue) => {
    // 1 = WORKFLOW, 2 = ACTIVITY (temporal.api.enums.v1.TaskQueueType).
    const taskQueueType = queue === TaskQueues.pipeline ? 1 : 2;
    const { stats } = await temporal.withDeadline(Date.now() + 2000, () => temporal.workflowService.describeTaskQueue({
      namespace: temporal.options.namespace,
      taskQueue: { name: queue },
      taskQueueType,
      reportStats: true,
    }));
    const age = stats?.approximateBacklogAge;
    const ageSeconds = age ? Number(age.seconds ?? 0) + (age.nanos ?? 0) / 1e9 : 0;
    return { queue, tasks: Number(stats?.approximateBacklogCount ?? 0), ageSeconds };
  }));
}
