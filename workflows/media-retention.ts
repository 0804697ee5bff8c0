/**
 * Media retention: the daily run of the `media-retention` Schedule (README "Retention"). One small activity per kind
 * of file (activities/retention/media.ts), all cut at the same instant, then one `media_retention` event with what
 * went. Each activity is idempotent and resumes from its heartbeat, so a retry or a second run deletes nothing twice.
 */
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import type { MediaRetentionInput, MediaRetentionOutcome } from '../contracts/workflows.js';

export async function mediaRetentionWorkflow(input: MediaRetentionInput = {}): Promise<MediaRetentionOutcome> {
  const { maintenance } = activitiesFor(lifecycleOptions(input.options));
  // Workflow time: deterministic on replay, and one cut for every kind.
  const now = new Date().toISOString();
  const totals = {
    published: await maintenance.deletePublishedMedia({ days: input.publishedMediaDays, now }),
    rejected: await maintenance.deleteRejectedMedia({ days: input.rejectedMediaDays, now }),
    evidence: await maintenance.deleteExpiredEvidence({ days: input.evidenceDays, now }),
    incoming: await maintenance.deleteOrphanedUploads({ days: input.incomingOrphanDays, now }),
  };
  await maintenance.recordMediaRetention(totals);
  return { now, ...totals };
}
