/**
 * Learned posting slots on the whole stack (PostgreSQL, Temporal, workers, the bot on the fake Bot API), against a
 * seeded history whose best hours are known: the estimate by local hour of the week (views at 24 h = the reading
 * nearest 24 h within 18–36 h; clicks from publication_stats), shrunk toward the studio's average on the platform
 * with the posts behind each cell, the top hours under the model's spacing, by views and by clicks; "aplicar" making
 * them her slots through the model-edit path (model_updated; refused when the results moved or nothing is there);
 * the weekly suggestion queuing one admin-chat message (direct activity call, once per run) and its Schedule's run
 * through the real workflow (which replays). Rows are this file's own (the database is shared).
 */
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLearnedSlotsActivities } from '../activities/learned-slots/index.js';
import { hourOfWeekReader, LEARNED_SLOTS_K } from '../core/learned-slots.js';
import { learnedSlotsScheduleId, WorkflowTypes, type LearnedSlotsOutcome } from '../contracts/workflows.js';
import type { LearnedSlotsSuggestion } from '../contracts/events.js';
import { publicationMetrics, publicationStats, systemEvents } from '../db/schema.js';
import { ensureLearnedSlotsSchedule, learnedSlotsSpec } from '../services/learned-slots.js';
import { workflowBundle } from '../worker/index.js';
import { botSays, mark, startBotStack, textOf, type BotHarness } from './bot/harness.js';
import { createAccount, createPlatform, createPublication } from './helpers/overview-seed.js';
import { waitFor } from './helpers/wait.js';

let h: BotHarness;
const run = randomBytes(3).toString('hex');
const HOUR = 3_600_000;
const db = () => h.stack.app.db.db;
const platformName = `aprende-${run}`;
let modelId = '';
let modelName = '';
/** Weekday (Monday = 0) all her posts share. */
let weekday = -1;

async function api(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: any }> {
  const response = await fetch(`${h.stack.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${h.stack.apiToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A local time in Bogotá (UTC−5 all year) `daysAgo` days back. */
function bogota(daysAgo: number, hour: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, hour + 5));
}

/** The seeded results per local hour: six posts each, same weekday (every 7 days). Best by views: 20, 21, 23; by clicks: 10. */
const plan = [
  { hour: 20, views: 5000, clicks: 10 },
  { hour: 21, views: 4800, clicks: 10 },
  { hour: 23, views: 3000, clicks: 10 },
  { hour: 10, views: 500, clicks: 40 },
  { hour: 14, views: 400, clicks: 5 },
];
const other = { hour: 12, views: 1000, clicks: 2, posts: 4 };

async function post(account: { id: string; modelId: string }, publishedAt: Date, values: { views?: number; clicks: number; readings?: 'near' | 'tie' | 'late'; status?: 'published' | 'failed' }) {
  const p = await createPublication(db(), account, { status: values.status ?? 'published', publishedAt });
  const at = (hours: number) => new Date(publishedAt.getTime() + hours * HOUR);
  const v = values.views ?? 0;
  const readings = {
    // The 23 h reading is nearest 24 h; 6 h and 30 h are not.
    near: [[6, Math.round(v / 4)], [23, v], [30, v * 2]],
    // 22 h and 26 h are equally near: the earlier one counts.
    tie: [[22, v], [26, v * 2], [40, v * 3]],
    // Nothing between 18 and 36 h: no views figure.
    late: [[40, v]],
  }[values.readings ?? 'near'];
  await db().insert(publicationMetrics).values(readings.map(([hours, views]) => ({ publicationId: p.id, ts: at(hours!), views: views!, source: 'test' })));
  await db().insert(publicationStats).values({ publicationId: p.id, clicks: values.clicks, botClicks: 100 });
  return p;
}

beforeAll(async () => {
  h = await startBotStack();
  const platform = await createPlatform(db(), h.stack.seeded.platformId, platformName, true);
  modelName = `Aprende ${run}`;
  const created = await api('POST', '/api/models', {
    name: modelName, distribution: { timezone: 'America/Bogota', slots: ['10:00'], maxPostsPerDay: 2, minSpacingMinutes: 120 },
  });
  expect(created.status).toBe(201);
  modelId = created.body.id;
  const account = await createAccount(db(), { modelId, platformId: platform.id, username: `aprende_${run}` });
  for (const { hour, views, clicks } of plan) {
    for (let i = 0; i < 6; i++) await post(account, bogota(7 * i + 3, hour), { views, clicks, readings: i % 3 === 0 ? 'tie' : 'near' });
  }
  weekday = hourOfWeekReader('America/Bogota')(bogota(3, 20)).weekday;
  // Same weekday and hour as the other 14:00 posts, counted for clicks only; left out: too old, not published.
  await post(account, bogota(10, 14), { views: 99_999, clicks: 5, readings: 'late' });
  await post(account, bogota(100, 20), { views: 0, clicks: 0 });
  await post(account, bogota(17, 20), { views: 0, clicks: 0, status: 'failed' });
  // Another model of the studio on the same platform: part of the studio's average only.
  const otherModel = await api('POST', '/api/models', { name: `Otra ${run}` });
  const otherAccount = await createAccount(db(), { modelId: otherModel.body.id, platformId: platform.id, username: `otra_${run}` });
  for (let i = 0; i < other.posts; i++) await post(otherAccount, bogota(7 * i + 5, other.hour), { views: other.views, clicks: other.clicks });
});
afterAll(async () => h?.close());

/** The studio's means on the platform, by hand. */
const priorViews = (6 * plan.reduce((a, p) => a + p.views, 0) + other.posts * other.views) / (6 * plan.length + other.posts);
const priorClicks = (6 * plan.reduce((a, p) => a + p.clicks, 0) + 5 + other.posts * other.clicks) / (6 * plan.length + 1 + other.posts);
const shrunk = (mean: number, n: number, prior: number) => (n * mean + LEARNED_SLOTS_K * prior) / (n + LEARNED_SLOTS_K);

describe('GET /api/models/:id/learned-slots', () => {
  it('estimates each local hour of the week from views at 24 h and clicks, shrunk toward the studio average', async () => {
    const { status, body } = await api('GET', `/api/models/${modelId}/learned-slots?platform=${platformName}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ modelId, platform: platformName, platforms: [platformName], metric: 'views', timezone: 'America/Bogota', k: 4, count: 2, minSpacingMinutes: 120, currentSlots: ['10:00'] });
    expect(body.window.days).toBe(90);
    expect(body.posts).toEqual({ views: 30, clicks: 31 });
    expect(body.studioPosts).toEqual({ views: 34, clicks: 35 });
    expect(body.prior.views).toBeCloseTo(priorViews, 6);
    expect(body.prior.clicks).toBeCloseTo(priorClicks, 6);
    expect(body.cells).toHaveLength(168);
    for (const { hour, views, clicks } of plan) {
      const cell = body.cells[weekday * 24 + hour];
      // The 14:00 cell also holds the post read too late for views: a seventh for clicks.
      const clickPosts = hour === 14 ? 7 : 6;
      expect(cell).toMatchObject({ weekday, hour, views: { posts: 6, mean: views }, clicks: { posts: clickPosts, mean: clicks } });
      expect(cell.views.estimate).toBeCloseTo(shrunk(views, 6, priorViews), 6);
      expect(cell.clicks.estimate).toBeCloseTo(shrunk(clicks, clickPosts, priorClicks), 6);
    }
    // An empty cell reads as the studio's average; the late-read post counts for clicks only.
    expect(body.cells[((weekday + 1) % 7) * 24 + 20].views).toEqual({ posts: 0, mean: null, estimate: body.prior.views });
    expect(body.hours[14].views.posts).toBe(6);
    expect(body.hours[14].clicks.posts).toBe(7);
    // 20:00 is best; 21:00 is too close to it (120 min spacing); 23:00 is next.
    expect(body.top.map((t: { slot: string }) => t.slot)).toEqual(['20:00', '23:00']);
    expect(body.top[0]).toMatchObject({ hour: 20, posts: 6 });
    expect(body.method).toContain('(n·mean + 4·studio mean) / (n + 4)');
  });

  it('ranks by clicks when asked, pools her platforms without one, and takes a count', async () => {
    const clicks = await api('GET', `/api/models/${modelId}/learned-slots?platform=${platformName}&metric=clicks`);
    expect(clicks.body.top.map((t: { slot: string }) => t.slot)).toEqual(['10:00', '20:00']);
    const pooled = await api('GET', `/api/models/${modelId}/learned-slots`);
    expect(pooled.status).toBe(200);
    expect(pooled.body.platform).toBeNull();
    expect(pooled.body.posts).toEqual({ views: 30, clicks: 31 });
    const one = await api('GET', `/api/models/${modelId}/learned-slots?count=1`);
    expect(one.body.top.map((t: { slot: string }) => t.slot)).toEqual(['20:00']);
  });

  it('refuses bad input naming the field, strangers and unknown models', async () => {
    const platform = await api('GET', `/api/models/${modelId}/learned-slots?platform=nada-${run}`);
    expect(platform.status).toBe(400);
    expect(Object.keys(platform.body.fields)).toEqual(['platform']);
    expect((await api('GET', `/api/models/${modelId}/learned-slots?metric=likes`)).status).toBe(400);
    expect((await api('GET', `/api/models/${modelId}/learned-slots?count=99`)).status).toBe(400);
    expect((await api('GET', `/api/models/${modelId}/learned-slots`, undefined, false)).status).toBe(401);
    expect((await api('GET', '/api/models/00000000-0000-4000-8000-000000000000/learned-slots')).status).toBe(404);
  });
});

const suggestionEvents = (runId: string) =>
  db().select().from(systemEvents).where(and(eq(systemEvents.type, 'learned_slots_suggested'), sql`${systemEvents.data}->>'run' = ${runId}`)).orderBy(asc(systemEvents.id));

describe('the weekly suggestion', () => {
  it('records one suggestion per run, which the bot sends to the admin chat once', async () => {
    const activities = createLearnedSlotsActivities({ db: db() });
    const runId = `learned-test-${run}`;
    const after = mark(h);
    const outcome = (await new MockActivityEnvironment().run(activities.suggestLearnedSlots, { run: runId, now: new Date().toISOString() })) as LearnedSlotsOutcome;
    expect(outcome.recorded).toBe(true);
    expect(outcome.suggested).toBeGreaterThanOrEqual(1);
    // A retried activity: nothing more.
    const again = (await new MockActivityEnvironment().run(activities.suggestLearnedSlots, { run: runId, now: new Date().toISOString() })) as LearnedSlotsOutcome;
    expect(again).toEqual({ suggested: 0, recorded: false });
    const events = await suggestionEvents(runId);
    expect(events).toHaveLength(1);
    const data = events[0]!.data as unknown as LearnedSlotsSuggestion;
    expect(data.suggestions.find((s) => s.modelId === modelId)).toEqual({ modelId, modelName, current: ['10:00'], suggested: ['20:00', '23:00'], posts: 30 });
    // The other model has too few posts for a suggestion.
    expect(data.suggestions.some((s) => s.modelName === `Otra ${run}`)).toBe(false);

    const message = await botSays(h, h.adminChat.id, new RegExp(`${modelName}</b>: 20:00, 23:00 \\(ahora: 10:00; 30 publicaciones\\)`), { after });
    expect(textOf(message)).toContain('Horarios aprendidos de la semana');
    expect(textOf(message)).toContain('Aplicar');
    // Nothing was applied.
    expect((await api('GET', `/api/models/${modelId}`)).body.distribution.slots).toEqual(['10:00']);
  });

  it('runs weekly as a Schedule whose workflow records the suggestion and replays', async () => {
    const { temporal, config } = h.stack.app;
    await ensureLearnedSlotsSchedule(temporal, config.lifecycle);
    await ensureLearnedSlotsSchedule(temporal, config.lifecycle); // every worker at every start
    const schedule = temporal.schedule.getHandle(learnedSlotsScheduleId);
    const description = await schedule.describe();
    expect(description.spec.calendars?.[0]).toMatchObject({ dayOfWeek: [{ start: 'MONDAY' }], hour: [{ start: learnedSlotsSpec.calendars[0]!.hour }] });
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: WorkflowTypes.learnedSlots, taskQueue: 'pipeline' });
    expect(description.policies.overlap).toBe('SKIP');

    const seen = new Set(description.info.recentActions.map((a) => a.action.workflow.workflowId));
    await schedule.trigger();
    const workflowId = await waitFor(async () => (await schedule.describe()).info.recentActions
      .map((a) => a.action.workflow.workflowId).find((id) => !seen.has(id)), { what: 'the triggered learned-slots run', timeoutMs: 60_000 });
    const handle = temporal.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ recorded: true });
    const [event] = await suggestionEvents(workflowId);
    expect((event!.data as unknown as LearnedSlotsSuggestion).suggestions.some((s) => s.modelId === modelId)).toBe(true);
    expect(await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), workflowId)).toBeUndefined();
  });
});

describe('POST /api/models/:id/learned-slots/apply', () => {
  const modelUpdates = () => db().select().from(systemEvents)
    .where(and(eq(systemEvents.modelId, modelId), eq(systemEvents.type, 'model_updated'))).orderBy(asc(systemEvents.id));

  it('refuses hours that are no longer the top ones, changing nothing', async () => {
    const stale = await api('POST', `/api/models/${modelId}/learned-slots/apply`, { platform: platformName, slots: ['10:00', '21:00'] });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'learned_slots_changed', fields: { slots: expect.stringContaining('20:00, 23:00') } });
    const bad = await api('POST', `/api/models/${modelId}/learned-slots/apply`, { slots: ['7pm'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('slots');
    expect((await api('GET', `/api/models/${modelId}`)).body.distribution.slots).toEqual(['10:00']);
    expect(await modelUpdates()).toEqual([]);
  });

  it('makes the confirmed top hours her slots through the model-edit path, once', async () => {
    const applied = await api('POST', `/api/models/${modelId}/learned-slots/apply`, { platform: platformName, metric: 'views', slots: ['23:00', '20:00'] });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({ slots: ['20:00', '23:00'], previous: ['10:00'], changed: true });
    expect((await api('GET', `/api/models/${modelId}`)).body.distribution.slots).toEqual(['20:00', '23:00']);
    const updates = await modelUpdates();
    expect(updates.map((e) => [e.actor, e.data])).toEqual([['api', { name: modelName, changed: ['distribution.slots'] }]]);
    // Applying the same again changes nothing.
    const again = await api('POST', `/api/models/${modelId}/learned-slots/apply`, { platform: platformName, slots: ['20:00', '23:00'] });
    expect(again.body).toEqual({ slots: ['20:00', '23:00'], previous: ['20:00', '23:00'], changed: false });
    expect(await modelUpdates()).toHaveLength(1);
    expect((await api('GET', `/api/models/${modelId}/learned-slots`)).body.currentSlots).toEqual(['20:00', '23:00']);
  });

  it('has nothing to apply for a model without results', async () => {
    const empty = await api('POST', '/api/models', { name: `Vacía ${run}` });
    const refused = await api('POST', `/api/models/${empty.body.id}/learned-slots/apply`, { slots: [] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('no_learned_slots');
    expect((await api('GET', `/api/models/${empty.body.id}/learned-slots`)).body).toMatchObject({ posts: { views: 0, clicks: 0 }, top: [] });
  });
});
