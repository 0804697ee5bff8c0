import {
  condition, ParentClosePolicy, setCurrentDetails, setHandler, startChild, upsertSearchAttributes,
} from '@temporalio/workflow';
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import { publicationWorkflow } from './publication.js';
import { ContentIdKey, ModelNameKey, PlatformKey, PublicationStatusKey } from '../contracts/search-attributes.js';
import {
  approveSignal, rejectSignal, TaskQueues, type ApproveInput, type ContentWorkflowInput, type ContentWorkflowResult, type RejectInput,
} from '../contracts/workflows.js';

/**
 * content-<id>: ingest → caption → approval (automatic, or a person's decision however long it takes)
 * → schedule by the rules → one child publicationWorkflow per account, which then lives on its own.
 */
export async function contentWorkflow({ contentId, options }: ContentWorkflowInput): Promise<ContentWorkflowResult> {
  const { pipeline, captions, media } = activitiesFor(lifecycleOptions(options));

  let decision: { approved: true; input: ApproveInput } | { approved: false; input: RejectInput } | undefined;
  setHandler(approveSignal, (input) => void (decision ??= { approved: true, input }));
  setHandler(rejectSignal, (input) => void (decision ??= { approved: false, input }));

  setCurrentDetails('ingesting');
  const ingest = await media.ingestContent(contentId);
  if (!ingest.ok) {
    setCurrentDetails(`**${ingest.duplicateOfId ? 'duplicate' : 'rejected'}**: ${ingest.reason}`);
    return { status: ingest.duplicateOfId ? 'duplicate' : 'rejected', reason: ingest.reason, duplicateOfId: ingest.duplicateOfId, publications: [] };
  }

  setCurrentDetails('captioning');
  await captions.generateCaptions(contentId);

  const approval = await pipeline.approveIfAutomatic(contentId);
  if (!approval.approved) {
    setCurrentDetails('**waiting for approval**');
    let reminders = 0;
    // Waits durably, for days if need be; a reminder event each time the configured period passes.
    while (!(await condition(() => decision !== undefined, approval.reminderAfterMs, { summary: 'approval reminder' }))) {
      await pipeline.recordApprovalReminder(contentId, ++reminders);
    }
    const made = decision!;
    await pipeline.recordDecision(contentId, made.approved ? { approved: true, ...made.input } : { approved: false, ...made.input });
    if (!made.approved) {
      setCurrentDetails(`**rejected** by ${made.input.actor}: ${made.input.reason}`);
      return { status: 'rejected', reason: made.input.reason, publications: [] };
    }
  }

  setCurrentDetails('scheduling');
  const scheduled = await pipeline.schedulePublications(contentId);
  if (scheduled.length === 0) {
    setCurrentDetails('**no account to publish to**');
    return { status: 'no_accounts', publications: [] };
  }
  for (const p of scheduled) {
    await startChild(publicationWorkflow, {
      workflowId: p.workflowId,
      args: [{ publicationId: p.publicationId, options }],
      taskQueue: TaskQueues.pipeline,
      // Publications (and their metrics polling) outlive this workflow.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: ModelNameKey, value: p.modelName },
        { key: PlatformKey, value: p.platformName },
        { key: ContentIdKey, value: contentId },
        { key: PublicationStatusKey, value: 'scheduled' },
      ],
      staticSummary: `${p.modelName} → ${p.platformName} @${p.accountUsername}`,
    });
  }
  upsertSearchAttributes([{ key: PlatformKey, value: [...new Set(scheduled.map((p) => p.platformName))].join(',') }]);
  setCurrentDetails(`**scheduled**: ${scheduled.map((p) => `${p.platformName} @${p.accountUsername} ${p.scheduledTime}`).join('; ')}`);
  return {
    status: 'scheduled',
    publications: scheduled.map((p) => ({ publicationId: p.publicationId, workflowId: p.workflowId, scheduledTime: p.scheduledTime })),
  };
}
