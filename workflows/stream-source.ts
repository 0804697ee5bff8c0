import {
  ActivityFailure, ApplicationFailure, CancellationScope, continueAsNew, isCancellation, log, ParentClosePolicy, setCurrentDetails, setHandler,
  startChild, workflowInfo, WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { lifecycleOptions, streamActivitiesFor } from './activity-options.js';
import { contentWorkflow } from './content.js';
import {
  contentWorkflowId, stopStreamSourceSignal, type StreamSourceWorkflowInput, type StreamSourceWorkflowResult,
} from '../contracts/workflows.js';

/** How far back a fresh run looks for sessions still to act on (a source resumed while its model is live). */
const freshLookBackMs = 10 * 60_000;

const failureType = (error: unknown): string | undefined => {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
};

/**
 * stream-source-<id>: follows one Chaturbate source for as long as it exists. Each turn, `pollStreamEvents` long-polls
 * the Events API for a few minutes (heartbeating, resuming from the cursor stored with the events it applied); for each
 * session it reports opened, the live post (a `contentWorkflow` child, once); for each closed, the attribution; while a
 * session is open, a Stats API reading every `statsPollMs` (workflow time). Ends `stopped` on the stop signal or when the
 * source is paused or deleted, `revoked` when the site refuses the token; `continueAsNew` keeps the history short.
 * Carries no secret: the activities read tokens and the cursor from the database.
 */
export async function streamSourceWorkflow(input: StreamSourceWorkflowInput): Promise<StreamSourceWorkflowResult> {
  const options = lifecycleOptions(input.options);
  const { poll, steps } = streamActivitiesFor(options);
  const { sourceId } = input;
  let stopRequested = false;
  let pollScope: CancellationScope | undefined;
  setHandler(stopStreamSourceSignal, () => {
    stopRequested = true;
    pollScope?.cancel();
  });

  let since = input.since ?? new Date(Date.now() - freshLookBackMs).toISOString();
  let statsDueAt = input.statsDueAt ? Date.parse(input.statsDueAt) : undefined;
  // Each session is reported by two turns (a turn reports from the previous one's start): acted on once per run.
  const handledOpen = new Set<string>();
  const handledClosed = new Set<string>();

  for (;;) {
    if (stopRequested) return stopped();
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > options.historyLimit) {
      await continueAsNew<typeof streamSourceWorkflow>({
        sourceId, since, options: input.options, ...(statsDueAt !== undefined ? { statsDueAt: new Date(statsDueAt).toISOString() } : {}),
      });
    }

    let summary;
    try {
      pollScope = new CancellationScope();
      const returnWithinMs = statsDueAt === undefined ? undefined : Math.max(0, statsDueAt - Date.now());
      summary = await pollScope.run(() => poll.pollStreamEvents({ sourceId, since, ...(returnWithinMs !== undefined ? { returnWithinMs } : {}) }));
    } catch (error) {
      if (stopRequested && isCancellation(error)) return stopped();
      if (failureType(error) === 'StreamSourceRevoked') {
        setCurrentDetails('**revoked**: the site refused the token');
        return { status: 'revoked' };
      }
      throw error;
    } finally {
      pollScope = undefined;
    }
    since = summary.asOf;

    for (const streamId of summary.opened) {
      if (handledOpen.has(streamId)) continue;
      handledOpen.add(streamId);
      await startLivePost(streamId);
    }
    for (const streamId of summary.closed) {
      if (handledClosed.has(streamId)) continue;
      handledClosed.add(streamId);
      try {
        await steps.closeStreamAttribution({ streamId });
      } catch (error) {
        // Attribution can be recomputed later from the stored rows; the feed must not stop for it.
        log.warn('stream attribution failed', { streamId, error: (error as Error).message });
      }
    }

    if (summary.status === 'revoked') return { status: 'revoked' };
    if (summary.status !== 'active') return stopped();

    if (summary.openStreamId === null) {
      statsDueAt = undefined;
      setCurrentDetails('offline');
    } else {
      setCurrentDetails(`**live**: session ${summary.openStreamId}`);
      // The first reading right when a session opens (followers at start), then every statsPollMs.
      statsDueAt ??= Date.now();
      if (Date.now() >= statsDueAt) {
        try {
          await steps.pollStreamStats({ sourceId });
        } catch (error) {
          log.warn('Stats API reading failed', { error: (error as Error).message });
        }
        statsDueAt = Date.now() + summary.statsPollMs;
      }
    }
    // Sessions long closed need no memory here: `since` moved past them.
    for (const seen of [handledOpen, handledClosed]) if (seen.size > 20) for (const id of [...seen].slice(0, seen.size - 20)) seen.delete(id);
  }

  function stopped(): StreamSourceWorkflowResult {
    setCurrentDetails('**stopped**');
    return { status: 'stopped' };
  }

  /** The live post of a session: its content (when the model wants one) and that content's workflow, started once. */
  async function startLivePost(streamId: string) {
    let prepared;
    try {
      prepared = await steps.prepareLivePost({ streamId });
    } catch (error) {
      log.warn('live post not prepared', { streamId, error: (error as Error).message });
      return;
    }
    if (!prepared) return;
    try {
      await startChild(contentWorkflow, {
        workflowId: contentWorkflowId(prepared.contentId),
        args: [{ contentId: prepared.contentId, options: input.options }],
        // The post lives on after this follower continues as new or stops; a second start for the session is refused.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `live post for session ${streamId}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}
