/**
 * The one place that says how workflows call activities: task queue, timeouts and retries per queue,
 * all from LifecycleOptions (which travel in workflow inputs, since workflows cannot read config).
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ApiActivities, BrowserActivities, MediaActivities, PipelineActivities, StreamActivities } from '../activities/index.js';
import { defaultLifecycleOptions, type LifecycleOptions } from '../core/lifecycle.js';
import { nonRetryablePublishErrors } from '../core/publish-errors.js';
import { TaskQueues } from '../contracts/workflows.js';

/** The options a workflow runs with: the defaults, overridden by what its input carries. */
export function lifecycleOptions(overrides?: Partial<LifecycleOptions>): LifecycleOptions {
  return { ...defaultLifecycleOptions, ...overrides };
}

/** Short database activities (the pipeline queue). A missing row will not appear by retrying. */
export function pipelineActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    taskQueue: TaskQueues.pipeline,
    startToCloseTimeout: options.dbActivityTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['NotFound'] },
  };
}

/** Captions may wait on an LLM (with its own deadline and a template fallback): at least a minute. */
export function captionActivityOptions(options: LifecycleOptions): ActivityOptions {
  return { ...pipelineActivityOptions(options), startToCloseTimeout: Math.max(options.dbActivityTimeoutMs, 60_000) };
}

/** ffmpeg on the media queue; heartbeats, so a dead worker is noticed long before the 30 minutes. */
export function mediaActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    taskQueue: TaskQueues.media,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['NotFound', 'InvalidMedia'] },
  };
}

/**
 * Playwright on the browser queue (publish, metrics, session check, login). Typed publishing errors that
 * retrying cannot help (and could get an account banned) stop at once; the rest retry 3 times.
 */
export function browserActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    taskQueue: TaskQueues.browser,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ['NotFound', ...nonRetryablePublishErrors] },
  };
}

/**
 * Official APIs on the api queue (publish, metrics, token check, connect). The same typed errors stop at once;
 * a 429 comes back at the time the API names (nextRetryDelay), so more attempts than the browser's are cheap.
 */
export function apiActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    taskQueue: TaskQueues.api,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: ['NotFound', 'CredentialsRejected', ...nonRetryablePublishErrors] },
  };
}

/**
 * Housekeeping on the pipeline queue (the click-retention deletes): batches of rows for as long as a backlog takes,
 * heartbeating, so a dead worker is noticed within the heartbeat timeout. Idempotent: retried freely.
 */
export function maintenanceActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    taskQueue: TaskQueues.pipeline,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { initialInterval: '10s', maximumInterval: '10 minutes', maximumAttempts: 10 },
  };
}

/**
 * The stream-source follower (activities/streams). No task queue: they run on the workflow's own (`pipeline` in
 * production), so a deployment's follower and its activities stay together. `pollStreamEvents` long-polls for minutes,
 * heartbeating, and is retried without limit (the site being down is not the source's end); a refused token is not.
 */
export function streamPollActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    startToCloseTimeout: '8 minutes',
    heartbeatTimeout: options.heartbeatTimeoutMs,
    // At most 15 s between attempts: a feed back after an outage (or a worker back after a crash) is read again soon,
    // still far under the 2,000 requests a minute; a 429 waits the time the site names.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s', nonRetryableErrorTypes: ['StreamSourceRevoked'] },
  };
}

/** The follower's short steps (a Stats API reading, attribution, a live post): a few attempts, then the workflow goes on. */
export function streamStepActivityOptions(options: LifecycleOptions): ActivityOptions {
  return {
    startToCloseTimeout: Math.max(options.dbActivityTimeoutMs, 60_000),
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 4, nonRetryableErrorTypes: ['NotFound'] },
  };
}

export function streamActivitiesFor(options: LifecycleOptions) {
  return {
    poll: proxyActivities<Pick<StreamActivities, 'pollStreamEvents'>>(streamPollActivityOptions(options)),
    steps: proxyActivities<Omit<StreamActivities, 'pollStreamEvents'>>(streamStepActivityOptions(options)),
  };
}

/** Activity proxies for one workflow run, one per task queue. */
export function activitiesFor(options: LifecycleOptions) {
  return {
    pipeline: proxyActivities<PipelineActivities>(pipelineActivityOptions(options)),
    captions: proxyActivities<Pick<PipelineActivities, 'generateCaptions'>>(captionActivityOptions(options)),
    media: proxyActivities<MediaActivities>(mediaActivityOptions(options)),
    browser: proxyActivities<BrowserActivities>(browserActivityOptions(options)),
    api: proxyActivities<ApiActivities>(apiActivityOptions(options)),
    maintenance: proxyActivities<Pick<PipelineActivities,
      'deleteExpiredClicks' | 'deletePublishedMedia' | 'deleteRejectedMedia' | 'deleteExpiredEvidence' | 'deleteOrphanedUploads' | 'recordMediaRetention'
      | 'suggestLearnedSlots'
    >>(maintenanceActivityOptions(options)),
  };
}

export type Activities = ReturnType<typeof activitiesFor>;
