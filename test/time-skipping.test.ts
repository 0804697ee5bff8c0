/**
 * The lifecycle's long waits, in seconds instead of days: the 14-day wait for a person after a failure,
 * approval reminders, and 30 days of metrics reads (with continueAsNew). The real workflow bundle runs
 * against a Temporal server with per-workflow time skipping (scripts/time-skipping-server: the Temporal
 * server's own `temporaltest` with `frontend.WorkflowTimeSkippingEnabled`); activities are plain mocks.
 *
 * How time moves: each workflow gets a TimeSkippingConfig right after it starts. While it is idle (no
 * activity or workflow task in flight) the server jumps its clock to the next timer. A fast-forward bounds
 * the jump ("skip 3 days, then stop"), so the test can act at that virtual moment (signal) and then let
 * it run on. Every time asserted here is the workflow's virtual time, read from its history.
 *
 * The server binary must exist: `npx tsx scripts/ensure-time-skipping-server.ts` builds it (CI does).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserActivities, MediaActivities, PipelineActivities } from '../activities/index.js';
import { defaultLifecycleOptions } from '../core/lifecycle.js';
import { defaultDistributionRules } from '../core/types.js';
import { PublishError } from '../activities/publishing/errors.js';
import { toFailure } from '../activities/publishing/index.js';
import {
  approveSignal, publicationStateQuery, retrySignal, TaskQueues, WorkflowTypes,
  type ContentWorkflow, type PublicationWorkflow,
} from '../contracts/workflows.js';
import { findTimeSkippingServer, startTimeSkippingServer, type TimeSkippingServer } from '../scripts/time-skipping-server.js';
import { ensureSearchAttributes } from '../services/temporal.js';
import { workflowBundle } from '../worker/index.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

// ── Mocked activities ───────────────────────────────────────────────────────────────────────

type AllActivities = PipelineActivities & MediaActivities & BrowserActivities;
type ActivityName = keyof AllActivities;

/** Every activity the workflows call; each test says what the ones it needs do. */
const activityNames = [
  'publicationPlan', 'beginPublication', 'recordPublished', 'recordPublicationFailure', 'recordRetry', 'releasePublication',
  'recordReschedule', 'cancelPublication', 'storeMetrics', 'generateCaptions', 'approveIfAutomatic', 'recordApprovalReminder',
  'recordDecision', 'schedulePublications', 'ingestContent', 'prepareMedia', 'publishPublication', 'readPublicationMetrics',
] as const satisfies readonly ActivityName[];

let mocks: Partial<AllActivities> = {};
let calls: { name: ActivityName; args: unknown[] }[] = [];
const callsOf = (name: ActivityName) => calls.filter((c) => c.name === name);

function mockActivity(name: ActivityName) {
  return async (...args: unknown[]) => {
    calls.push({ name, args });
    const fn = mocks[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (!fn) throw ApplicationFailure.nonRetryable(`the test did not expect ${name}`, 'UnexpectedActivity');
    return fn(...args);
  };
}
const mockActivities = Object.fromEntries(activityNames.map((name) => [name, mockActivity(name)]));

// ── Server, client and workers ──────────────────────────────────────────────────────────────

let server: TimeSkippingServer | undefined;
let client: Client;
let nativeConnection: NativeConnection | undefined;
let workers: Worker[] = [];
let running: Promise<unknown> | undefined;

let setupFailed: Error | undefined;

beforeAll(async () => {
  try {
    await startServerAndWorkers();
  } catch (error) {
    setupFailed = error as Error;
  }
});

// A missing server binary fails every test with the way to build it (a beforeAll error alone reads as "skipped").
beforeEach(() => {
  if (setupFailed) throw setupFailed;
});

async function startServerAndWorkers() {
  const path = await findTimeSkippingServer({ build: false });
  server = await startTimeSkippingServer(path);
  // Warnings only, and not the activity failures the tests cause on purpose (their results are asserted).
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      if (message !== 'Activity failed') console.warn(level, message, meta ?? '');
    }),
  });
  client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace });
  await ensureSearchAttributes(client);
  nativeConnection = await NativeConnection.connect({ address: server.address });
  const bundle = await workflowBundle();
  const common = { connection: nativeConnection, namespace: server.namespace, activities: mockActivities };
  workers = [
    await Worker.create({ ...common, taskQueue: TaskQueues.pipeline, workflowBundle: bundle }),
    await Worker.create({ ...common, taskQueue: TaskQueues.media }),
    await Worker.create({ ...common, taskQueue: TaskQueues.browser }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
}

afterAll(async () => {
  for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  await running?.catch(() => undefined);
  await nativeConnection?.close();
  await client?.connection.close();
  await server?.stop();
});

beforeEach(() => {
  mocks = {};
  calls = [];
});

// ── Time skipping ───────────────────────────────────────────────────────────────────────────

/**
 * Lets the workflow skip time whenever it is idle; with `fastForwardMs`, only that far ahead of its
 * current time, after which skipping turns itself off and the clock runs at wall speed again.
 */
async function skipTime(workflowId: string, fastForwardMs?: number): Promise<string | undefined> {
  const fastForwardId = fastForwardMs === undefined ? undefined : randomUUID();
  await client.workflowService.updateWorkflowExecutionOptions({
    namespace: client.options.namespace,
    workflowExecution: { workflowId },
    workflowExecutionOptions: {
      timeSkippingConfig: {
        enabled: true,
        fastForwardConfig: fastForwardId ? { id: fastForwardId, duration: msToTs(fastForwardMs!) } : null,
      },
    },
    updateMask: { paths: ['time_skipping_config'] },
  });
  return fastForwardId;
}

/** Waits (in wall time, briefly) until a fast-forward has reached its target. */
async function fastForwardReached(workflowId: string, fastForwardId: string) {
  const { FastForwardPollingResult } = temporal.api.enums.v1;
  for (let polls = 0; polls < 20; polls++) {
    const response = await client.workflowService.pollWorkflowExecutionTimeSkipping({
      namespace: client.options.namespace, workflowExecution: { workflowId }, fastForwardId,
    });
    if (response.fastForwardPollingResult === FastForwardPollingResult.FAST_FORWARD_POLLING_RESULT_FAST_FORWARD_COMPLETED) return;
    if (response.fastForwardPollingResult === FastForwardPollingResult.FAST_FORWARD_POLLING_RESULT_FAST_FORWARD_FAILED) {
      throw new Error(`fast-forward of ${workflowId} failed: ${response.failedReason}`);
    }
  }
  throw new Error(`fast-forward of ${workflowId} did not complete`);
}

// ── Reading virtual times from histories ────────────────────────────────────────────────────

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const timeOf = (event: HistoryEvent) => Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

/** Every run of the workflow's continueAsNew chain, oldest first, each with its history. */
async function chainHistories(handle: WorkflowHandle): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined = (await handle.describe()).runId;
  while (runId) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
    runs.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

/** When (virtual ms) each activity of this type was scheduled, in history order. */
function scheduledTimes(events: HistoryEvent[], activityType: ActivityName): number[] {
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
    .map(timeOf);
}

/** When (virtual ms) the activity of this type completed (the last one, if several). */
function completedTime(events: HistoryEvent[], activityType: ActivityName): number {
  const scheduledIds = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => Number(e.eventId)),
  );
  const done = events.filter((e) => scheduledIds.has(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1)));
  expect(done.length, `${activityType} completed`).toBeGreaterThan(0);
  return timeOf(done.at(-1)!);
}

const closeTime = (events: HistoryEvent[]) => timeOf(events.at(-1)!);

// ── Shared mocks ────────────────────────────────────────────────────────────────────────────

const postUrl = 'https://demo.invalid/p/1';

/** A publication scheduled `inMs` from now that the platform refuses (non-retryable) until `refusals` runs out. */
function publicationThatFails(opts: { inMs: number; refusals: number }) {
  let refusals = opts.refusals;
  const scheduledTime = new Date(Date.now() + opts.inMs).toISOString();
  mocks = {
    publicationPlan: async () => ({ status: 'scheduled', scheduledTime, postUrl: null, publishedAt: null, driverKind: 'browser' }),
    beginPublication: async () => ({ state: 'go', driverKind: 'browser' }),
    prepareMedia: async () => ({ mediaPath: '/dev/null' }),
    publishPublication: async () => {
      if (refusals-- > 0) throw ApplicationFailure.nonRetryable('the platform refused the video', 'RejectedByPlatform');
      return { url: postUrl, externalId: '1' };
    },
    recordPublicationFailure: async () => ({ status: 'failed' }),
    recordRetry: async () => undefined,
    recordPublished: async () => ({ publishedAt: new Date().toISOString(), status: 'published' as const }),
    readPublicationMetrics: async () => ({ state: 'live', metrics: { views: 10 }, source: 'mock', unreadable: [] }),
    storeMetrics: async () => undefined,
  };
  return { scheduledTime };
}

async function startPublication(options: Parameters<PublicationWorkflow>[0]['options'] = {}) {
  const publicationId = randomUUID();
  return client.workflow.start<PublicationWorkflow>(WorkflowTypes.publication, {
    taskQueue: TaskQueues.pipeline, workflowId: `publication-${publicationId}`, args: [{ publicationId, options }],
  });
}

// ── The tests ───────────────────────────────────────────────────────────────────────────────

describe('wait for a person (14 days)', () => {
  it('a failed publication waits 14 days with nobody acting, then its workflow ends', async () => {
    const started = Date.now();
    const { scheduledTime } = publicationThatFails({ inMs: 2 * hour, refusals: 1 });
    const handle = await startPublication();
    await skipTime(handle.workflowId);

    expect(await handle.result()).toEqual({ status: 'failed', error: 'RejectedByPlatform: the platform refused the video' });
    const [events] = await chainHistories(handle);
    // The slot's timer was skipped too: it published at the scheduled time, not before.
    expect(scheduledTimes(events!, 'publishPublication')[0]).toBeGreaterThanOrEqual(Date.parse(scheduledTime));
    const stoppedFor = closeTime(events!) - completedTime(events!, 'recordPublicationFailure');
    expect(stoppedFor).toBeGreaterThanOrEqual(14 * day);
    expect(stoppedFor).toBeLessThan(14 * day + minute);
    expect(callsOf('recordRetry')).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a retry on day 3 revives it: it publishes and polls metrics', async () => {
    const started = Date.now();
    publicationThatFails({ inMs: 0, refusals: 1 });
    const handle = await startPublication({ metricsPollOffsetsMs: [0] });
    const fastForward = await skipTime(handle.workflowId, 3 * day);
    await fastForwardReached(handle.workflowId, fastForward!);
    expect(await handle.query(publicationStateQuery)).toMatchObject({ phase: 'stopped', status: 'failed' });

    await handle.signal(retrySignal, { actor: 'admin', at: new Date().toISOString() });
    expect(await handle.result()).toEqual({ status: 'published', postUrl });
    expect(callsOf('recordRetry').map((c) => c.args[1])).toEqual([expect.objectContaining({ actor: 'admin' })]);
    expect(callsOf('publishPublication')).toHaveLength(2);
    const [events] = await chainHistories(handle);
    const retriedAfter = scheduledTimes(events!, 'recordRetry')[0]! - completedTime(events!, 'recordPublicationFailure');
    expect(retriedAfter).toBeGreaterThanOrEqual(3 * day - minute);
    expect(retriedAfter).toBeLessThan(3 * day + 5 * minute);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('quota hold', () => {
  it("a publication refused for our app's spent quota is held, not failed, then publishes on its own when the quota resets", async () => {
    const started = Date.now();
    const resetInMs = 7 * hour;
    const { scheduledTime } = publicationThatFails({ inMs: 0, refusals: 0 });
    let refusals = 1;
    mocks = {
      ...mocks,
      publishPublication: async () => {
        // Through the activity's own mapping: the hold's length travels in the failure's details.
        if (refusals-- > 0) throw toFailure(new PublishError('QuotaExhausted', "the Google project's daily quota is used up", undefined, resetInMs));
        return { url: postUrl, externalId: '1' };
      },
      recordPublicationFailure: async (_id: string, failure: { retryAfterMs?: number }) => ({ status: 'held' as const, resumeAfterMs: failure.retryAfterMs }),
      releasePublication: async () => undefined,
    };
    const handle = await startPublication({ metricsPollOffsetsMs: [0] });
    const fastForward = await skipTime(handle.workflowId, 3 * hour);
    await fastForwardReached(handle.workflowId, fastForward!);
    expect(await handle.query(publicationStateQuery)).toMatchObject({ phase: 'stopped', status: 'held' });
    expect(callsOf('publishPublication')).toHaveLength(1);

    await skipTime(handle.workflowId);
    expect(await handle.result()).toEqual({ status: 'published', postUrl });
    expect(callsOf('recordPublicationFailure').map((c) => c.args[1])).toEqual([expect.objectContaining({ type: 'QuotaExhausted', retryAfterMs: resetInMs })]);
    expect(callsOf('releasePublication').map((c) => c.args[1])).toEqual([expect.objectContaining({ actor: 'system:quota' })]);
    expect(callsOf('recordRetry')).toHaveLength(0);
    expect(callsOf('publishPublication')).toHaveLength(2);
    const [events] = await chainHistories(handle);
    expect(scheduledTimes(events!, 'publishPublication')[0]).toBeGreaterThanOrEqual(Date.parse(scheduledTime) - minute);
    const heldFor = scheduledTimes(events!, 'releasePublication')[0]! - completedTime(events!, 'recordPublicationFailure');
    expect(heldFor).toBeGreaterThanOrEqual(resetInMs);
    expect(heldFor).toBeLessThan(resetInMs + minute);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('approval', () => {
  it(`reminds every approvalReminderHours (${defaultDistributionRules.approvalReminderHours} h) until a person approves, then proceeds`, async () => {
    const started = Date.now();
    const reminderAfterMs = defaultDistributionRules.approvalReminderHours * hour;
    const contentId = randomUUID();
    mocks = {
      ingestContent: async () => ({ ok: true }),
      generateCaptions: async () => ({ drafts: {} }),
      approveIfAutomatic: async () => ({ approved: false, reminderAfterMs }),
      recordApprovalReminder: async () => undefined,
      recordDecision: async () => undefined,
      schedulePublications: async () => [],
    };
    const handle = await client.workflow.start<ContentWorkflow>(WorkflowTypes.content, {
      taskQueue: TaskQueues.pipeline, workflowId: `content-${contentId}`, args: [{ contentId }],
    });
    // Three days and an hour of waiting: a reminder at 12 h, 24 h, … 72 h.
    const fastForward = await skipTime(handle.workflowId, 3 * day + hour);
    await fastForwardReached(handle.workflowId, fastForward!);
    const expected = Math.floor((3 * day) / reminderAfterMs);
    expect(callsOf('recordApprovalReminder').map((c) => c.args)).toEqual(Array.from({ length: expected }, (_, i) => [contentId, i + 1]));
    expect(callsOf('recordDecision')).toHaveLength(0);

    await handle.signal(approveSignal, { actor: 'admin', at: new Date().toISOString() });
    expect(await handle.result()).toEqual({ status: 'no_accounts', publications: [] });
    expect(callsOf('recordDecision').map((c) => c.args[1])).toEqual([expect.objectContaining({ approved: true, actor: 'admin' })]);
    expect(callsOf('schedulePublications')).toHaveLength(1);
    expect(callsOf('recordApprovalReminder')).toHaveLength(expected);

    const [events] = await chainHistories(handle);
    const waitingSince = completedTime(events!, 'approveIfAutomatic');
    const offsets = scheduledTimes(events!, 'recordApprovalReminder').map((t) => t - waitingSince);
    offsets.forEach((offset, i) => {
      expect(offset).toBeGreaterThanOrEqual((i + 1) * reminderAfterMs);
      expect(offset).toBeLessThan((i + 1) * reminderAfterMs + minute);
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('metrics schedule', () => {
  it('reads at each configured offset from the publish time over 30 days, continuing as new when the history grows', async () => {
    const started = Date.now();
    let publishedAt = '';
    mocks = {
      publicationPlan: async () => {
        // Published when the first run reads its plan (by the server's clock, which the workflow's follows);
        // each later run reads the same plan again.
        publishedAt ||= new Date(Context.current().info.currentAttemptScheduledTimestampMs).toISOString();
        return { status: 'published', scheduledTime: publishedAt, postUrl, publishedAt, driverKind: 'browser' };
      },
      readPublicationMetrics: async () => ({ state: 'live', metrics: { views: 10 * (callsOf('readPublicationMetrics').length + 1) }, source: 'mock', unreadable: [] }),
      storeMetrics: async () => undefined,
    };
    const offsets = defaultLifecycleOptions.metricsPollOffsetsMs;
    expect(offsets.at(-1)).toBe(30 * day);
    // A small history limit, so the 30 days span several runs.
    const handle = await startPublication({ historyLimit: 40 });
    await skipTime(handle.workflowId);

    expect(await handle.result()).toEqual({ status: 'published', postUrl });
    expect(callsOf('storeMetrics')).toHaveLength(offsets.length);
    const runs = await chainHistories(handle);
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.slice(0, -1).every((events) => events.at(-1)!.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    const readAt = runs.flatMap((events) => scheduledTimes(events, 'readPublicationMetrics')).map((t) => t - Date.parse(publishedAt));
    expect(readAt).toHaveLength(offsets.length);
    readAt.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual(offsets[i]!);
      expect(at).toBeLessThan(offsets[i]! + minute);
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
