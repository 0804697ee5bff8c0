import {
  condition, defineSignal, ParentClosePolicy, proxyActivities, setHandler, startChild, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { MediaActivities, PipelineActivities } from '../activities/index.js';
import { TaskQueues } from '../core/task-queues.js';
import { publicationWorkflow, type PublicationWorkflowResult } from './publication.js';
import { ContentIdKey, ModelNameKey, PlatformKey, PublicationStatusKey } from './search-attributes.js';

const media = proxyActivities<MediaActivities>({
  taskQueue: TaskQueues.media,
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['NotFound'] },
});

const pipeline = proxyActivities<PipelineActivities>({
  taskQueue: TaskQueues.pipeline,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['NotFound'] },
});

export interface Decision {
  actor: string;
  reason?: string;
}
export const approveSignal = defineSignal<[Decision]>('approve');
export const rejectSignal = defineSignal<[Decision]>('reject');

export interface ContentWorkflowInput {
  contentId: string;
}

export interface ContentWorkflowResult {
  status: 'rejected' | 'no_accounts' | 'done';
  reason?: string;
  publications: (PublicationWorkflowResult & { publicationId: string })[];
}

/** content-<id>: ingest → caption → approve → schedule → one child publicationWorkflow per account. */
export async function contentWorkflow({ contentId }: ContentWorkflowInput): Promise<ContentWorkflowResult> {
  let decision: { approved: boolean; by: Decision } | undefined;
  setHandler(approveSignal, (by) => void (decision ??= { approved: true, by }));
  setHandler(rejectSignal, (by) => void (decision ??= { approved: false, by }));

  const ingest = await media.ingestContent(contentId);
  if (!ingest.ok) return { status: 'rejected', reason: ingest.reason, publications: [] };

  await pipeline.generateCaptions(contentId);

  const { approved } = await pipeline.approveIfAutomatic(contentId);
  if (!approved) {
    // Waits durably (days if need be) for a person's decision.
    await condition(() => decision !== undefined);
    await pipeline.recordDecision(contentId, { approved: decision!.approved, actor: decision!.by.actor, reason: decision!.by.reason });
    if (!decision!.approved) return { status: 'rejected', reason: decision!.by.reason, publications: [] };
  }

  const scheduled = await pipeline.schedulePublications(contentId);
  if (scheduled.length === 0) return { status: 'no_accounts', publications: [] };

  const children = await Promise.all(
    scheduled.map((p) =>
      startChild(publicationWorkflow, {
        workflowId: p.workflowId,
        args: [{ publicationId: p.publicationId }],
        taskQueue: TaskQueues.pipeline,
        // Publications outlive their content workflow if it is ever terminated.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: ModelNameKey, value: p.modelName },
          { key: PlatformKey, value: p.platformName },
          { key: ContentIdKey, value: contentId },
          { key: PublicationStatusKey, value: 'scheduled' },
        ],
        staticSummary: `${p.modelName} → ${p.platformName} @${p.accountUsername}`,
      }),
    ),
  );
  upsertSearchAttributes([{ key: PlatformKey, value: scheduled.map((p) => p.platformName).join(',') }]);
  const results = await Promise.all(children.map((child) => child.result()));
  return { status: 'done', publications: results.map((r, i) => ({ ...r, publicationId: scheduled[i]!.publicationId })) };
}
