/**
 * The reach-drop alert on real PostgreSQL, through the store activity where metrics readings land (`storeMetrics`):
 * a reading 18–36 h after publishing checks the account's last REACH_DROP_POSTS views at 24 h against its trailing
 * median. A normal history never fires; a drop fires once (one `reach_drop` event and one `reach_drop` alert with
 * the figures), stays quiet for a second reading of the same post, two readings at once, and while the drop goes
 * on, and fires again after a recovery. With REACH_DROP_PAUSE the account is paused through the pause path (its
 * scheduled publications held, `account_paused`). Rows are this file's own: the database is shared.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStoreActivities } from '../activities/store/index.js';
import { createReachDropCheck } from '../activities/store/reach-drop.js';
import type { ActivityDeps } from '../activities/deps.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { idempotencyMarker } from '../core/captions.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { contents, models, platformAccounts, platforms, publicationMetrics, publications, systemEvents } from '../db/schema.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const run = randomUUID().slice(0, 8);
let handle: DbHandle;
let platformId: string;
let modelId: string;
const db = () => handle.db;

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  const [platform] = await db().insert(platforms).values({
    name: `alcance-${run}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' },
  }).returning();
  platformId = platform!.id;
  const [model] = await db().insert(models).values({ name: `Alcance ${run}`, distribution: defaultDistributionRules }).returning();
  modelId = model!.id;
});
afterAll(async () => handle?.close());

function storeWith(reachDrop: { posts: number; share: number; pauseAccount: boolean }) {
  const config = { http: { publicUrl: 'https://trafico.example' }, streams: { reachDrop } };
  return createStoreActivities({ db: db(), config, log: pino({ level: 'silent' }) } as unknown as ActivityDeps);
}
const defaults = { posts: 3, share: 0.25, pauseAccount: false };

async function account(name: string) {
  const [row] = await db().insert(platformAccounts).values({ modelId, platformId, username: `${name}_${run}`, status: 'active' }).returning();
  return row!;
}

async function publication(accountId: string, values: Partial<typeof publications.$inferInsert>) {
  const [content] = await db().insert(contents).values({ modelId, filePath: `/nowhere/${randomUUID()}.mp4`, sentBy: 'test', status: 'approved' }).returning();
  const id = randomUUID();
  const [row] = await db().insert(publications).values({
    id, contentId: content!.id, accountId, idempotencyMarker: idempotencyMarker(id), status: 'published', ...values,
  }).returning();
  return row!;
}

/** Published posts `daysAgo` ago with their 24 h reading (and noise readings that are not the 24 h figure). */
async function history(accountId: string, views: number[]) {
  const now = Date.now();
  for (const [i, v] of views.entries()) {
    const publishedAt = new Date(now - (views.length - i + 5) * DAY);
    const p = await publication(accountId, { publishedAt });
    await db().insert(publicationMetrics).values([
      { publicationId: p.id, ts: new Date(publishedAt.getTime() + 3 * HOUR), views: Math.round(v / 10), source: 'test' },
      { publicationId: p.id, ts: new Date(publishedAt.getTime() + 24 * HOUR), views: v, source: 'test' },
      { publicationId: p.id, ts: new Date(publishedAt.getTime() + 3 * DAY), views: v * 3, source: 'test' },
    ]);
  }
}

let minute = 0;
/** A post published about 24 h ago (each one a minute later than the one before), not read yet. */
const fresh = (accountId: string) => publication(accountId, { publishedAt: new Date(Date.now() - DAY - 60 * 60_000 + ++minute * 60_000) });

const eventsOf = (accountId: string, kinds: ('reach_drop' | 'alert' | 'account_paused')[]) =>
  db().select().from(systemEvents).where(and(eq(systemEvents.accountId, accountId), inArray(systemEvents.type, kinds))).orderBy(asc(systemEvents.id));

const normal = [1000, 1100, 900, 1050, 950, 1000, 980, 1020];

describe('reach drop through storeMetrics', () => {
  it('never fires on a normal history, however many readings land', async () => {
    const store = storeWith(defaults);
    const a = await account('normal');
    await history(a.id, normal);
    for (const views of [800, 300, 1200, 260, 900, 700]) {
      const p = await fresh(a.id);
      await store.storeMetrics(p.id, { views }, 'test');
      await store.storeMetrics(p.id, { views: views + 5 }, 'test');
    }
    expect(await eventsOf(a.id, ['reach_drop', 'alert', 'account_paused'])).toEqual([]);
  });

  it('fires once per drop with the figures, quiet while it goes on, again after a recovery', async () => {
    const store = storeWith(defaults);
    const a = await account('caida');
    await history(a.id, normal);
    const read = async (views: number) => {
      const p = await fresh(a.id);
      await store.storeMetrics(p.id, { views }, 'test');
      return p;
    };
    await read(100);
    await read(120);
    expect(await eventsOf(a.id, ['reach_drop', 'alert'])).toEqual([]);
    const third = await fresh(a.id);
    // Two readings of the newest post land at once: one announcement.
    await Promise.all([store.storeMetrics(third.id, { views: 90 }, 'test'), store.storeMetrics(third.id, { views: 90 }, 'test')]);
    const first = await eventsOf(a.id, ['reach_drop', 'alert']);
    expect(first.map((e) => e.type)).toEqual(['reach_drop', 'alert']);
    expect(first.every((e) => e.publicationId === third.id && e.modelId === modelId)).toBe(true);
    expect(first[0]!.data).toEqual({ posts: 3, medianViews: 1000 });
    expect(first[1]!.data).toEqual({
      kind: 'reach_drop', username: `caida_${run}`, platform: `alcance-${run}`, posts: 3, share: 0.25, medianViews: 1000, recentViews: [90, 120, 100], paused: false,
    });
    expect(first[1]!.description).toContain('possible shadowban');

    // Another reading of the same post, then the drop going on: nothing new.
    await store.storeMetrics(third.id, { views: 95 }, 'test');
    await read(80);
    expect(await eventsOf(a.id, ['reach_drop', 'alert'])).toHaveLength(2);
    // Back to normal, then down again: a second announcement.
    await read(1000);
    await read(50);
    await read(40);
    expect(await eventsOf(a.id, ['reach_drop', 'alert'])).toHaveLength(2);
    const last = await read(30);
    const all = await eventsOf(a.id, ['reach_drop', 'alert']);
    expect(all.map((e) => e.type)).toEqual(['reach_drop', 'alert', 'reach_drop', 'alert']);
    expect(all[3]!.publicationId).toBe(last.id);
    expect((all[3]!.data as { recentViews: number[] }).recentViews).toEqual([30, 40, 50]);
    const [row] = await db().select({ status: platformAccounts.status }).from(platformAccounts).where(eq(platformAccounts.id, a.id));
    expect(row!.status).toBe('active');
  });

  it('ignores readings outside 18–36 h after publishing and accounts without enough history', async () => {
    const store = storeWith(defaults);
    // Three low posts from 3–5 days ago: their 24 h figures are a drop, but today's readings are not 24 h readings.
    const late = await account('tarde');
    await history(late.id, normal);
    const low: string[] = [];
    for (const daysAgo of [5, 4, 3]) {
      const publishedAt = new Date(Date.now() - daysAgo * DAY);
      const p = await publication(late.id, { publishedAt });
      await db().insert(publicationMetrics).values({ publicationId: p.id, ts: new Date(publishedAt.getTime() + 24 * HOUR), views: 10, source: 'test' });
      low.push(p.id);
    }
    for (const id of low) await store.storeMetrics(id, { views: 12 }, 'test');
    expect(await eventsOf(late.id, ['reach_drop', 'alert'])).toEqual([]);
    // Only the reading's age kept it quiet: the check itself sees the drop.
    const check = createReachDropCheck({ db: db(), config: { streams: { reachDrop: defaults } } as unknown as ActivityDeps['config'], log: pino({ level: 'silent' }) });
    expect((await check.check(low[2]!))?.recentViews).toEqual([10, 10, 10]);
    expect((await eventsOf(late.id, ['reach_drop', 'alert'])).map((e) => e.type)).toEqual(['reach_drop', 'alert']);

    const young = await account('joven');
    await history(young.id, [1000, 1000, 1000, 1000]);
    for (const views of [10, 10, 10]) await store.storeMetrics((await fresh(young.id)).id, { views }, 'test');
    expect(await eventsOf(young.id, ['reach_drop', 'alert'])).toEqual([]);
  });

  it('pauses the account through the pause path when REACH_DROP_PAUSE is on', async () => {
    const store = storeWith({ ...defaults, pauseAccount: true });
    const a = await account('pausa');
    await history(a.id, normal);
    const waiting = await publication(a.id, { status: 'scheduled', scheduledTime: new Date(Date.now() + DAY), publishedAt: null });
    for (const views of [100, 100, 100]) await store.storeMetrics((await fresh(a.id)).id, { views }, 'test');
    const events = await eventsOf(a.id, ['reach_drop', 'alert', 'account_paused']);
    expect(events.map((e) => e.type)).toEqual(['account_paused', 'reach_drop', 'alert']);
    expect(events[0]!.data).toEqual({ username: `pausa_${run}`, held: [waiting.id], reason: 'Caída de alcance (posible shadowban)' });
    expect((events[2]!.data as { paused: boolean }).paused).toBe(true);
    const [row] = await db().select({ status: platformAccounts.status }).from(platformAccounts).where(eq(platformAccounts.id, a.id));
    expect(row!.status).toBe('paused');
    const [held] = await db().select({ status: publications.status }).from(publications).where(eq(publications.id, waiting.id));
    expect(held!.status).toBe('held');
  });
});
