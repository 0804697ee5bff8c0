/**
 * The Temporal Schedule that deletes expired raw clicks once a day (CLICK_RETENTION_DAYS; README "Traffic"). The
 * deleting itself is the `clickRetentionWorkflow`'s one activity (activities/retention/).
 */
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { clickRetentionScheduleId, TaskQueues, WorkflowTypes, type ClickRetentionWorkflow } from '../contracts/workflows.js';

const HOUR_MS = 3_600_000;
/** Every day at 03:30 UTC: a quiet hour for most studios' audiences. */
export const clickRetentionSpec = { intervals: [{ every: 24 * HOUR_MS, offset: 3.5 * HOUR_MS }] };

/** Creates (or updates) the Schedule with the retention it passes on. Idempotent across roles and restarts. */
export async function ensureClickRetentionSchedule(temporal: Client, retentionDays: number, lifecycle?: LifecycleOptions): Promise<void> {
  const args: Parameters<ClickRetentionWorkflow> = [{ retentionDays, options: lifecycle }];
  try {
    await temporal.schedule.create({
      scheduleId: clickRetentionScheduleId,
      spec: clickRetentionSpec,
      action: { type: 'startWorkflow', workflowType: WorkflowTypes.clickRetention, taskQueue: TaskQueues.pipeline, args },
      // A missed day is caught up within a day; the next run deletes whatever a skipped one left.
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      memo: { purpose: 'deletes raw clicks older than CLICK_RETENTION_DAYS' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(clickRetentionScheduleId)
      .update((previous) => ({ ...previous, spec: clickRetentionSpec, action: { ...previous.action, args } }));
  }
}
