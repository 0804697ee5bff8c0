/**
 * The Temporal Schedule that deletes expired media, evidence and orphaned uploads once a day (README "Retention").
 * The deleting is the `mediaRetentionWorkflow`'s activities (activities/retention/media.ts).
 */
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { mediaRetentionScheduleId, TaskQueues, WorkflowTypes, type MediaRetentionDays, type MediaRetentionWorkflow } from '../contracts/workflows.js';

const HOUR_MS = 3_600_000;
/** Every day at 04:00 UTC: after the click retention (03:30), in a quiet hour for most studios. */
export const mediaRetentionSpec = { intervals: [{ every: 24 * HOUR_MS, offset: 4 * HOUR_MS }] };

/** Creates (or updates) the Schedule with the ages it passes on. Idempotent across roles and restarts. */
export async function ensureMediaRetentionSchedule(temporal: Client, days: Required<MediaRetentionDays>, lifecycle?: LifecycleOptions): Promise<void> {
  const args: Parameters<MediaRetentionWorkflow> = [{ ...days, options: lifecycle }];
  try {
    await temporal.schedule.create({
      scheduleId: mediaRetentionScheduleId,
      spec: mediaRetentionSpec,
      action: { type: 'startWorkflow', workflowType: WorkflowTypes.mediaRetention, taskQueue: TaskQueues.pipeline, args },
      // A missed day is caught up within a day; the next run deletes whatever a skipped one left.
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      memo: { purpose: 'deletes expired media, evidence and orphaned uploads (MEDIA_RETENTION_*, EVIDENCE_RETENTION_DAYS, INCOMING_ORPHAN_DAYS)' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(mediaRetentionScheduleId)
      .update((previous) => ({ ...previous, spec: mediaRetentionSpec, action: { ...previous.action, args } }));
  }
}
