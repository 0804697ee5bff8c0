/** Activity factories grouped by task queue; workflows import only the types below. */
import type { ActivityDeps } from './deps.js';
import { createCaptionActivities } from './captions/index.js';
import { heartbeating } from './heartbeat.js';
import { createMediaActivities as createMediaSteps } from './media/index.js';
import { createMetricsActivities } from './metrics/index.js';
import { createPublishingActivities } from './publishing/index.js';
import { createRetentionActivities } from './retention/index.js';
import { createMediaRetentionActivities } from './retention/media.js';
import { createApiActivities as createApiSteps } from './publishing/api.js';
import { createSessionActivities } from './sessions/index.js';
import { createStoreActivities } from './store/index.js';
import { createLearnedSlotsActivities } from './learned-slots/index.js';
import { createStreamActivities } from './streams/index.js';

export const createPipelineActivities = (deps: ActivityDeps) => ({
  ...createStoreActivities(deps), ...createCaptionActivities(deps), ...createSessionActivities(deps), ...createRetentionActivities(deps),
  ...createMediaRetentionActivities(deps), ...createStreamActivities(deps), ...createLearnedSlotsActivities(deps),
});
export const createBrowserActivities = (deps: ActivityDeps) =>
  heartbeating({ ...createPublishingActivities(deps), ...createMetricsActivities(deps) });
export const createMediaActivities = (deps: ActivityDeps) => heartbeating(createMediaSteps(deps));
export const createApiActivities = (deps: ActivityDeps) => heartbeating(createApiSteps(deps));

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
export type MediaActivities = ReturnType<typeof createMediaActivities>;
export type BrowserActivities = ReturnType<typeof createBrowserActivities>;
export type ApiActivities = ReturnType<typeof createApiActivities>;
export type { ScheduledPublication } from './store/index.js';
export type { IngestResult } from './media/index.js';
export type { StreamActivities, PollStreamEventsSummary } from './streams/index.js';
