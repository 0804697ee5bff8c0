import {
  ActivityFailure, ApplicationFailure, condition, continueAsNew, log, proxyActivities, setCurrentDetails, setHandler,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { BrowserActivities, MediaActivities, PipelineActivities } from '../activities/index.js';
import { defaultLifecycleOptions, type LifecycleOptions } from '../core/lifecycle.js';
import { nonRetryablePublishErrors } from '../core/publish-errors.js';
import type { PublicationStatus } from '../core/types.js';
import { PublicationStatusKey } from '../contracts/search-attributes.js';
import {
  cancelSignal, publicationStateQuery, publishNowSignal, releaseSignal, rescheduleSignal, retrySignal, TaskQueues,
  type Actor, type PublicationWorkflowInput, type PublicationWorkflowResult, type PublicationWorkflowState,
} from '../contracts/workflows.js';

/** How long a failed, held or unconfirmed publication waits for a person before its workflow ends (a later retry starts it again). */
const stoppedRetentionMs = 14 * 24 * 3_600_000;

function failureOf(error: unknown): { type: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * publication-<id>: a durable timer until the scheduled time (reschedule / publishNow / cancel move or end it),
 * publish once, then read metrics on a decaying schedule. A failure stops and waits for retry, reschedule or cancel.
 */
export async function publicationWorkflow(input: PublicationWorkflowInput): Promise<PublicationWorkflowResult> {
  const { publicationId } = input;
  const options: LifecycleOptions = { ...defaultLifecycleOptions, ...input.options };
  const pipeline = proxyActivities<PipelineActivities>({
    taskQueue: TaskQueues.pipeline,
    startToCloseTimeout: options.dbActivityTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['NotFound'] },
  });
  const media = proxyActivities<MediaActivities>({
    taskQueue: TaskQueues.media,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['NotFound', 'InvalidMedia'] },
  });
  const browser = proxyActivities<BrowserActivities>({
    taskQueue: TaskQueues.browser,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['NotFound', ...nonRetryablePublishErrors] },
  });

  const state: PublicationWorkflowState = { phase: 'waiting', status: 'scheduled', scheduledTime: null, metricsReads: 0 };
  let canceled: (Actor & { reason?: string }) | undefined;
  let reschedule: (Actor & { scheduledTime: string }) | undefined;
  let runNow: Actor | undefined;
  let released: Actor | undefined;
  setHandler(cancelSignal, (a) => void (canceled ??= a));
  setHandler(rescheduleSignal, (a) => void (reschedule = a));
  setHandler(publishNowSignal, (a) => void (runNow = a));
  setHandler(retrySignal, (a) => void (runNow = a));
  setHandler(releaseSignal, (a) => void (released = a));
  setHandler(publicationStateQuery, () => state);

  function setStatus(status: PublicationStatus) {
    state.status = status;
    upsertSearchAttributes([{ key: PublicationStatusKey, value: status }]);
    setCurrentDetails(`**${status}**${state.scheduledTime ? ` · scheduled ${state.scheduledTime}` : ''}`);
  }
  async function finishCanceled(): Promise<PublicationWorkflowResult> {
    await pipeline.cancelPublication(publicationId, canceled!);
    setStatus('canceled');
    state.phase = 'done';
    return { status: 'canceled' };
  }
  async function applyReschedule() {
    const request = reschedule!;
    reschedule = undefined;
    state.scheduledTime = request.scheduledTime;
    await pipeline.recordReschedule(publicationId, request);
    setStatus('scheduled');
  }

  const plan = await pipeline.publicationPlan(publicationId);
  state.scheduledTime = plan.scheduledTime;
  if (plan.status === 'canceled') return { status: 'canceled' };
  let post = plan.postUrl ? { url: plan.postUrl, publishedAt: plan.publishedAt! } : undefined;
  if (plan.status !== 'published') {
    state.phase = plan.status === 'failed' || plan.status === 'unconfirmed' ? 'stopped' : 'waiting';
    state.status = plan.status;
    let lastError: string | undefined;
    while (!post) {
      if (state.phase === 'waiting') {
        const waitMs = state.scheduledTime ? Date.parse(state.scheduledTime) - Date.now() : 0;
        const interrupted = () => canceled !== undefined || reschedule !== undefined || runNow !== undefined;
        if (waitMs > 0) await condition(interrupted, waitMs, { summary: 'until the scheduled time' });
        if (canceled) return finishCanceled();
        if (reschedule) {
          await applyReschedule();
          continue;
        }
        runNow = undefined;
        released = undefined;
        state.phase = 'publishing';
      }

      if (state.phase === 'publishing') {
        const begin = await pipeline.beginPublication(publicationId);
        if (begin.state === 'held') {
          setStatus('held');
          state.phase = 'stopped';
          continue;
        }
        if (begin.state === 'published') {
          post = { url: begin.postUrl!, publishedAt: begin.publishedAt! };
          setStatus('published');
          break;
        }
        setStatus('processing');
        try {
          await media.prepareMedia(publicationId);
          const result = await browser.publishPublication(publicationId);
          const recorded = await pipeline.recordPublished(publicationId, result);
          post = { url: result.url, publishedAt: recorded.publishedAt };
          setStatus('published');
        } catch (error) {
          const failure = failureOf(error);
          lastError = `${failure.type}: ${failure.message}`;
          const outcome = await pipeline.recordPublicationFailure(publicationId, failure);
          setStatus(outcome.status);
          state.phase = 'stopped';
        }
        continue;
      }

      // Stopped (failed, held or unconfirmed): wait for a person, or for the account to be resumed.
      const acted = await condition(
        () => canceled !== undefined || reschedule !== undefined || runNow !== undefined || released !== undefined,
        stoppedRetentionMs,
        { summary: 'waiting for retry, reschedule or cancel' },
      );
      if (!acted) return { status: state.status, error: lastError };
      if (canceled) return finishCanceled();
      if (reschedule) {
        await applyReschedule();
        state.phase = 'waiting';
      } else if (runNow) {
        await pipeline.recordRetry(publicationId, runNow);
        runNow = undefined;
        released = undefined;
        state.phase = 'publishing';
      } else {
        await pipeline.releasePublication(publicationId, released!);
        released = undefined;
        setStatus('scheduled');
        state.phase = 'waiting';
      }
    }
  }

  if (!post) throw ApplicationFailure.nonRetryable(`publication ${publicationId} is published but has no post URL`, 'NotFound');

  // Metrics on a decaying schedule from the publish time; the same per-account browser lock as publishing.
  state.phase = 'polling';
  const offsets = options.metricsPollOffsetsMs;
  const publishedAtMs = Date.parse(post.publishedAt);
  for (let index = input.resume?.pollIndex ?? 0; index < offsets.length; index++) {
    const waitMs = publishedAtMs + offsets[index]! - Date.now();
    if (waitMs > 0) await condition(() => false, waitMs, { summary: `metrics read ${index + 1}/${offsets.length}` });
    try {
      const read = await browser.readPublicationMetrics(publicationId);
      if (read.state === 'deleted') break;
      // Reads recorded before `state` existed carry none: they were all live reads.
      if (read.state !== 'missing' && Object.keys(read.metrics).length > 0) {
        await pipeline.storeMetrics(publicationId, read.metrics, read.source);
      }
      state.metricsReads++;
    } catch (error) {
      log.warn('metrics read failed', { publicationId, error: failureOf(error).message });
    }
    const info = workflowInfo();
    if (index + 1 < offsets.length && (info.continueAsNewSuggested || info.historyLength > options.historyLimit)) {
      return continueAsNew<typeof publicationWorkflow>({ publicationId, options: input.options, resume: { pollIndex: index + 1 } });
    }
  }
  state.phase = 'done';
  return { status: 'published', postUrl: post.url };
}
