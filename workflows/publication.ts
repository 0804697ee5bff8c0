import {
  ActivityFailure, ApplicationFailure, log, proxyActivities, sleep, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { BrowserActivities, PipelineActivities } from '../activities/index.js';
import { TaskQueues } from '../core/task-queues.js';
import type { PublicationStatus } from '../core/types.js';
import { PublicationStatusKey } from './search-attributes.js';

const pipeline = proxyActivities<PipelineActivities>({
  taskQueue: TaskQueues.pipeline,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['NotFound'] },
});

const browser = proxyActivities<BrowserActivities>({
  taskQueue: TaskQueues.browser,
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['NotFound', 'SessionExpired', 'Challenge', 'ActionBlocked', 'DailyLimit', 'RejectedByPlatform', 'InvalidMedia'],
  },
});

export interface PublicationWorkflowInput {
  publicationId: string;
}

export interface PublicationWorkflowResult {
  status: PublicationStatus;
  postUrl?: string;
  error?: string;
}

function setStatus(status: PublicationStatus) {
  upsertSearchAttributes([{ key: PublicationStatusKey, value: status }]);
}

function describeFailure(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}

/** publication-<id>: wait for the scheduled time, publish once, read metrics. */
export async function publicationWorkflow({ publicationId }: PublicationWorkflowInput): Promise<PublicationWorkflowResult> {
  const plan = await pipeline.publicationPlan(publicationId);
  if (plan.status === 'published' || plan.status === 'canceled') return { status: plan.status };
  if (plan.scheduledTime) {
    const wait = Date.parse(plan.scheduledTime) - Date.now();
    if (wait > 0) await sleep(wait);
  }

  await pipeline.markPublicationProcessing(publicationId);
  setStatus('processing');
  let post;
  try {
    post = await browser.publishPublication(publicationId);
  } catch (error) {
    const message = describeFailure(error);
    await pipeline.recordPublicationFailure(publicationId, message);
    setStatus('failed');
    return { status: 'failed', error: message };
  }
  await pipeline.recordPublished(publicationId, post);
  setStatus('published');

  // The first metrics read; the decaying polling schedule belongs to the lifecycle issue.
  try {
    const { metrics, source } = await browser.readPublicationMetrics(publicationId);
    await pipeline.storeMetrics(publicationId, metrics, source);
  } catch (error) {
    log.warn('metrics read failed', { publicationId, error: describeFailure(error) });
  }
  return { status: 'published', postUrl: post.url };
}
