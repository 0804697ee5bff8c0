import {
  ActivityFailure, ApplicationFailure, condition, continueAsNew, log, setCurrentDetails, setHandler, sleep,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { isPosted, type PublicationStatus } from '../core/types.js';
import type { DriverKind } from '../contracts/drivers.js';
import { PublicationStatusKey } from '../contracts/search-attributes.js';
import {
  cancelSignal, publicationStateQuery, publishNowSignal, releaseSignal, rescheduleSignal, retrySignal,
  type Actor, type CancelInput, type PublicationWorkflowInput, type PublicationWorkflowResult, type PublicationWorkflowState,
  type RescheduleInput,
} from '../contracts/workflows.js';
import { activitiesFor, lifecycleOptions, type Activities } from './activity-options.js';

/** How long a failed, held or unconfirmed publication waits for a person before its workflow ends (a later retry starts it again). */
const stoppedRetentionMs = 14 * 24 * 3_600_000;

/**
 * publication-<id>, in the lifecycle's words:
 *   wait for the slot (reschedule / publish now / cancel move or end it) → publish →
 *   on failure, hold or an unconfirmed post: wait for a person (retry, reschedule, cancel, release) →
 *   poll metrics on a decaying schedule from the publish time (continueAsNew when the history grows).
 * Each phase is a small function over one shared state object and says which phase comes next.
 */
export async function publicationWorkflow(input: PublicationWorkflowInput): Promise<PublicationWorkflowResult> {
  const run = startRun(input);
  const ended = await untilPublished(run);
  if (ended) return ended;
  return pollMetrics(run, input);
}

/** A phase's answer: the phase to go to next, or how the workflow ends. */
type Next = PublicationWorkflowState['phase'] | PublicationWorkflowResult;

/** Everything the phases share: activities, options, the queried state, and what people asked for. */
interface Run {
  publicationId: string;
  options: LifecycleOptions;
  activities: Activities;
  state: PublicationWorkflowState;
  /** Signals not yet acted on. */
  requests: {
    canceled?: CancelInput;
    reschedule?: RescheduleInput;
    /** publishNow while waiting, or retry while stopped. */
    runNow?: Actor;
    released?: Actor;
  };
  post?: { url: string; publishedAt: string };
  lastError?: string;
  /** Held because a publishing quota at the platform is spent: publish again after this long (when it frees) unless a person acts first. */
  resumeAfterMs?: number;
  /** Which queue publishes and reads metrics: the account's platform driver kind (browser until an activity says otherwise). */
  driverKind: DriverKind;
}

function startRun(input: PublicationWorkflowInput): Run {
  const options = lifecycleOptions(input.options);
  const run: Run = {
    publicationId: input.publicationId,
    options,
    activities: activitiesFor(options),
    state: { phase: 'waiting', status: 'scheduled', scheduledTime: null, metricsReads: 0 },
    requests: {},
    driverKind: 'browser',
  };
  const { requests } = run;
  setHandler(cancelSignal, (a) => void (requests.canceled ??= a));
  setHandler(rescheduleSignal, (a) => void (requests.reschedule = a));
  setHandler(publishNowSignal, (a) => void (requests.runNow = a));
  setHandler(retrySignal, (a) => void (requests.runNow = a));
  setHandler(releaseSignal, (a) => void (requests.released = a));
  setHandler(publicationStateQuery, () => run.state);
  return run;
}

/** Runs the phases before polling; returns a result only when the workflow ends without a post. */
async function untilPublished(run: Run): Promise<PublicationWorkflowResult | undefined> {
  const plan = await run.activities.pipeline.publicationPlan(run.publicationId);
  run.state.scheduledTime = plan.scheduledTime;
  // Histories from before API drivers carry no kind: they were all browser publications.
  run.driverKind = plan.driverKind ?? 'browser';
  if (plan.status === 'canceled') return { status: 'canceled' };
  if (plan.postUrl) run.post = { url: plan.postUrl, publishedAt: plan.publishedAt! };
  if (isPosted(plan.status)) run.state.status = plan.status;
  else {
    run.state.phase = plan.status === 'failed' || plan.status === 'unconfirmed' ? 'stopped' : 'waiting';
    run.state.status = plan.status;
    while (!run.post) {
      const next: Next = await phases[run.state.phase as BeforePost](run);
      if (typeof next !== 'string') return next;
      run.state.phase = next;
    }
  }
  if (!run.post) throw ApplicationFailure.nonRetryable(`publication ${run.publicationId} is published but has no post URL`, 'NotFound');
  return undefined;
}

type BeforePost = 'waiting' | 'publishing' | 'stopped';
const phases: Record<BeforePost, (run: Run) => Promise<Next>> = { waiting: waitForSlot, publishing: publish, stopped: waitForPerson };

/** A durable timer until the scheduled time; reschedule, publishNow or cancel interrupt it. */
async function waitForSlot(run: Run): Promise<Next> {
  const { requests } = run;
  const waitMs = run.state.scheduledTime ? Date.parse(run.state.scheduledTime) - Date.now() : 0;
  const interrupted = () => requests.canceled !== undefined || requests.reschedule !== undefined || requests.runNow !== undefined;
  if (waitMs > 0) await condition(interrupted, waitMs, { summary: 'until the scheduled time' });
  if (requests.canceled) return finishCanceled(run);
  if (requests.reschedule) {
    await applyReschedule(run);
    return 'waiting';
  }
  requests.runNow = undefined;
  requests.released = undefined;
  return 'publishing';
}

/** At the time: a paused account or model holds it; otherwise a per-platform variant, the post, and its record. */
async function publish(run: Run): Promise<Next> {
  const { pipeline, media } = run.activities;
  const begin = await pipeline.beginPublication(run.publicationId);
  if (begin.driverKind) run.driverKind = begin.driverKind;
  if (begin.state === 'held') {
    setStatus(run, 'held');
    return 'stopped';
  }
  if (begin.state === 'published') {
    run.post = { url: begin.postUrl!, publishedAt: begin.publishedAt! };
    // Answers recorded before drafts existed carry no postStatus: they were all published.
    setStatus(run, begin.postStatus ?? 'published');
    return 'polling';
  }
  setStatus(run, 'processing');
  try {
    await media.prepareMedia(run.publicationId);
    const result = await publisherOf(run).publishPublication(run.publicationId);
    const recorded = await pipeline.recordPublished(run.publicationId, result);
    run.post = { url: result.url, publishedAt: recorded.publishedAt };
    setStatus(run, recorded.status ?? 'published');
    return 'polling';
  } catch (error) {
    const failure = failureOf(error);
    run.lastError = `${failure.type}: ${failure.message}`;
    const outcome = await pipeline.recordPublicationFailure(run.publicationId, failure);
    run.resumeAfterMs = outcome.resumeAfterMs;
    setStatus(run, outcome.status);
    return 'stopped';
  }
}

/**
 * Stopped (failed, held or unconfirmed): wait for a person, or for the account to be resumed. After
 * 14 days with nobody acting the run ends; a later retry starts it again.
 */
async function waitForPerson(run: Run): Promise<Next> {
  const { pipeline } = run.activities;
  const { requests } = run;
  const resumeAfterMs = run.resumeAfterMs;
  run.resumeAfterMs = undefined;
  const acted = await condition(
    () => requests.canceled !== undefined || requests.reschedule !== undefined || requests.runNow !== undefined || requests.released !== undefined,
    resumeAfterMs ?? stoppedRetentionMs,
    { summary: resumeAfterMs ? 'held until the platform quota frees' : 'waiting for retry, reschedule or cancel' },
  );
  if (!acted && resumeAfterMs) {
    // The quota has freed: released as a person would, then published at once (the slot has passed).
    await pipeline.releasePublication(run.publicationId, { actor: 'system:quota', at: new Date().toISOString() });
    setStatus(run, 'scheduled');
    return 'publishing';
  }
  if (!acted) return { status: run.state.status, error: run.lastError };
  if (requests.canceled) return finishCanceled(run);
  if (requests.reschedule) {
    await applyReschedule(run);
    return 'waiting';
  }
  if (requests.runNow) {
    await pipeline.recordRetry(run.publicationId, requests.runNow);
    requests.runNow = undefined;
    requests.released = undefined;
    return 'publishing';
  }
  await pipeline.releasePublication(run.publicationId, requests.released!);
  requests.released = undefined;
  setStatus(run, 'scheduled');
  return 'waiting';
}

/**
 * Metrics on a decaying schedule from the publish time (metricsPollOffsetsMs); the same per-account browser
 * lock as publishing. Stops when the post is deleted; a long history continues in a fresh run.
 */
async function pollMetrics(run: Run, input: PublicationWorkflowInput): Promise<PublicationWorkflowResult> {
  const { pipeline } = run.activities;
  const post = run.post!;
  run.state.phase = 'polling';
  const offsets = run.options.metricsPollOffsetsMs;
  const publishedAtMs = Date.parse(post.publishedAt);
  for (let index = input.resume?.pollIndex ?? 0; index < offsets.length; index++) {
    const waitMs = publishedAtMs + offsets[index]! - Date.now();
    if (waitMs > 0) await sleep(waitMs, { summary: `metrics read ${index + 1}/${offsets.length}` });
    try {
      const read = await publisherOf(run).readPublicationMetrics(run.publicationId);
      if (read.state === 'deleted') break;
      // Reads recorded before `state` existed carry none: they were all live reads.
      if (read.state !== 'missing' && Object.keys(read.metrics).length > 0) {
        await pipeline.storeMetrics(run.publicationId, read.metrics, read.source);
      }
      run.state.metricsReads++;
    } catch (error) {
      log.warn('metrics read failed', { publicationId: run.publicationId, error: failureOf(error).message });
    }
    const info = workflowInfo();
    if (index + 1 < offsets.length && (info.continueAsNewSuggested || info.historyLength > run.options.historyLimit)) {
      return continueAsNew<typeof publicationWorkflow>({ publicationId: run.publicationId, options: input.options, resume: { pollIndex: index + 1 } });
    }
  }
  run.state.phase = 'done';
  return { status: run.state.status === 'published_as_draft' ? 'published_as_draft' : 'published', postUrl: post.url };
}

/** The browser queue for browser drivers, the api queue for official APIs. */
function publisherOf(run: Run): Pick<Activities['browser'], 'publishPublication' | 'readPublicationMetrics'> {
  return run.driverKind === 'api' ? run.activities.api : run.activities.browser;
}

function setStatus(run: Run, status: PublicationStatus) {
  run.state.status = status;
  upsertSearchAttributes([{ key: PublicationStatusKey, value: status }]);
  setCurrentDetails(`**${status}**${run.state.scheduledTime ? ` · scheduled ${run.state.scheduledTime}` : ''}`);
}

async function finishCanceled(run: Run): Promise<PublicationWorkflowResult> {
  await run.activities.pipeline.cancelPublication(run.publicationId, run.requests.canceled!);
  setStatus(run, 'canceled');
  run.state.phase = 'done';
  return { status: 'canceled' };
}

async function applyReschedule(run: Run) {
  const request = run.requests.reschedule!;
  run.requests.reschedule = undefined;
  run.state.scheduledTime = request.scheduledTime;
  await run.activities.pipeline.recordReschedule(run.publicationId, request);
  setStatus(run, 'scheduled');
}

function failureOf(error: unknown): { type: string; message: string; retryAfterMs?: number } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const retryAfterMs = (cause.details?.[0] as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return { type: cause.type ?? 'Error', message: cause.message, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) };
  }
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause) };
}
