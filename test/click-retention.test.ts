/**
 * Click retention on the real stack (PostgreSQL, Temporal, workers): the activity deletes raw clicks older than the
 * retention in bounded batches (heartbeating each), the visitor sets and salts of days before yesterday, and nothing
 * else — newer clicks, the rollups and the per-publication totals stay; a second run deletes nothing more. The
 * `click-retention` Schedule is created idempotently, and a triggered run deletes through the workflow, whose history
 * replays against the current workflow code. Rows are this file's own (the database is shared with other files).
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetentionActivities } from '../activities/retention/index.js';
import { clickRetentionScheduleId, WorkflowTypes, type ClickRetentionOutcome } from '../contracts/workflows.js';
import { clickLinkKey, insertClickBatch, type StoredClick } from '../db/clicks.js';
import { clickRollups, clicks, clickSalts, clickVisitors, publicationStats } from '../db/schema.js';
import { clickRetentionSpec, ensureClickRetentionSchedule } from '../services/click-retention.js';
import { workflowBundle } from '../worker/index.js';
import { createAccount, createModel, createPlatform, createPublication } from './helpers/overview-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const run = randomUUID().slice(0, 6);
const DAY = 86_400_000;
const db = () => stack.app.db.db;
const utcDay = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 10);
let account: { id: string; modelId: string };
let publicationId: string;

const click = (ts: Date, visitor: string): StoredClick => ({
  ts, accountId: account.id, publicationId, visitorHash: visitor, country: 'US', city: null, referrerHost: null, device: 'mobile', os: null, browser: null, isBot: false,
});
const rollupsOf = async (accountId: string) =>
  (await db().select().from(clickRollups).where(eq(clickRollups.accountId, accountId))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const clickTimes = async () => (await db().select({ ts: clicks.ts }).from(clicks).where(eq(clicks.accountId, account.id))).map((r) => r.ts.getTime()).sort();

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  const platform = await createPlatform(db(), stack.seeded.platformId, `ret-${run}`, true);
  const model = await createModel(db(), `Retención ${run}`);
  account = await createAccount(db(), { modelId: model.id, platformId: platform.id, username: `ret_${run}` });
  publicationId = (await createPublication(db(), account, { status: 'published', publishedAt: new Date(Date.now() - 200 * DAY) })).id;
});
afterAll(async () => {
  // The Schedule every worker ensures at start, back to this deployment's own retention.
  if (stack) await ensureClickRetentionSchedule(stack.app.temporal, stack.app.config.traffic.clickRetentionDays, stack.app.config.lifecycle).catch(() => undefined);
  await stack?.close();
});

describe('the click-retention activity', () => {
  it('deletes only what is old, in bounded batches, and again nothing', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 120 * DAY);
    const kept = new Date(now.getTime() - 80 * DAY);
    await insertClickBatch(db(), [
      ...Array.from({ length: 5 }, (_, i) => click(new Date(old.getTime() + i * 60_000), `old${i}`)),
      click(kept, 'kept0'), click(new Date(kept.getTime() + 60_000), 'kept1'), click(new Date(now.getTime() - 60_000), 'today'),
    ]);
    const link = clickLinkKey(account.id, publicationId, false);
    const yesterday = utcDay(now.getTime() - DAY);
    const today = utcDay(now.getTime());
    const lastWeek = utcDay(now.getTime() - 7 * DAY);
    await db().insert(clickVisitors).values([
      { day: yesterday, linkKey: link, visitorHash: `y-${run}` }, { day: lastWeek, linkKey: link, visitorHash: `w-${run}` },
    ]).onConflictDoNothing();
    await db().insert(clickSalts).values([{ day: utcDay(old.getTime()), salt: 'old' }, { day: yesterday, salt: 'y' }, { day: today, salt: 't' }]).onConflictDoNothing();
    const [statsBefore] = await db().select().from(publicationStats).where(eq(publicationStats.publicationId, publicationId));
    const rollupsBefore = await rollupsOf(account.id);

    const activities = createRetentionActivities({ db: db(), config: stack.app.config }, { batchSize: 2 });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const first = (await env.run(activities.deleteExpiredClicks, { retentionDays: 100, now: now.toISOString() })) as ClickRetentionOutcome;
    expect(first.cutoff).toBe(new Date(now.getTime() - 100 * DAY).toISOString());
    expect(first.clicksDeleted).toBeGreaterThanOrEqual(5);
    // Batches of 2: at least 3 for the five old clicks, each heartbeating its running count.
    expect(beats.filter((b) => (b as { what?: string } | undefined)?.what === 'clicks').length).toBeGreaterThanOrEqual(3);
    expect(beats).toContainEqual({ what: 'clicks', deleted: first.clicksDeleted });

    expect(await clickTimes()).toEqual([kept.getTime(), kept.getTime() + 60_000, now.getTime() - 60_000]);
    const visitors = await db().select().from(clickVisitors).where(eq(clickVisitors.linkKey, link));
    expect(visitors.map((v) => v.day).sort()).toEqual([yesterday, today].sort());
    const salts = (await db().select({ day: clickSalts.day }).from(clickSalts).where(inArray(clickSalts.day, [utcDay(old.getTime()), yesterday, today]))).map((s) => s.day);
    expect(salts.sort()).toEqual([yesterday, today].sort());
    // The history stays: rollups and running totals untouched.
    expect(await rollupsOf(account.id)).toEqual(rollupsBefore);
    expect(rollupsBefore.find((r) => r.granularity === 'day' && r.dimension === 'all' && r.bucketStart.getTime() === Math.floor(old.getTime() / DAY) * DAY)?.total).toBe(5);
    const [statsAfter] = await db().select().from(publicationStats).where(eq(publicationStats.publicationId, publicationId));
    expect(statsAfter).toEqual(statsBefore);
    expect(statsAfter?.clicks).toBe(8);

    // Idempotent: run again, nothing of ours goes.
    const second = (await new MockActivityEnvironment().run(activities.deleteExpiredClicks, { retentionDays: 100, now: now.toISOString() })) as ClickRetentionOutcome;
    expect(second.clicksDeleted).toBe(0);
    expect(await clickTimes()).toHaveLength(3);
  });
});

describe('the click-retention Schedule', () => {
  it('is created idempotently, and its run deletes expired clicks through a workflow that replays', async () => {
    const { temporal, config } = stack.app;
    await ensureClickRetentionSchedule(temporal, 100, config.lifecycle);
    await ensureClickRetentionSchedule(temporal, 100, config.lifecycle); // every worker at every start
    const schedule = temporal.schedule.getHandle(clickRetentionScheduleId);
    const description = await schedule.describe();
    expect(description.spec.intervals).toEqual([{ every: clickRetentionSpec.intervals[0]!.every, offset: clickRetentionSpec.intervals[0]!.offset }]);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: WorkflowTypes.clickRetention, taskQueue: 'pipeline' });
    expect((description.action as { args?: { retentionDays?: number }[] }).args?.[0]?.retentionDays).toBe(100);
    expect(description.policies.overlap).toBe('SKIP');

    const ancient = new Date(Date.now() - 150 * DAY);
    await insertClickBatch(db(), [click(ancient, 'ancient')]);
    const seen = new Set(description.info.recentActions.map((a) => a.action.workflow.workflowId));
    await schedule.trigger();
    const workflowId = await waitFor(async () => (await schedule.describe()).info.recentActions
      .map((a) => a.action.workflow.workflowId).find((id) => !seen.has(id)), { what: 'the triggered retention run', timeoutMs: 60_000 });
    const handle = temporal.workflow.getHandle(workflowId);
    const outcome = (await handle.result()) as ClickRetentionOutcome;
    expect(outcome.clicksDeleted).toBeGreaterThanOrEqual(1);
    expect((await db().select({ id: clicks.id }).from(clicks).where(and(eq(clicks.accountId, account.id), eq(clicks.visitorHash, 'ancient'))))).toEqual([]);
    expect(await clickTimes()).toHaveLength(3);

    const replay = await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), workflowId);
    expect(replay).toBeUndefined();
  });
});
