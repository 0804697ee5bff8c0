/**
 * Attribution and the revenue API on the whole stack (PostgreSQL, Temporal, workers). Sessions, earnings lines and
 * clicks are seeded on this file's own models, platforms and accounts (clicks through the recorder's own batch insert,
 * which keeps the rollups); `attributeStream` computes each session; then GET /api/revenue and /api/revenue/funnel
 * answer the hand-computed figures below for both methods, as JSON and CSV (also per UTC hour and day of session start), and
 * refuse bad input with a 400 naming the field. The database is shared with other test files: every exact figure is narrowed to this file's models or
 * read from its own platforms' rows.
 *
 * The seeded day D (UTC), window 30 minutes. Links: L1 = a1's post p1, L2 = a1's own link, L3 = a2's post p2 (model A),
 * L4 = b1's own link (model B). a1 and b1 are on platform X, a2 on platform Y.
 *
 * S1, model A, D 20:00–22:00. Clicks: 19:20 L1 (before the window), 19:40 L1, 19:45 L2 (a bot), 20:10 L3, 20:50 L1,
 *   21:30 L3, 22:05 L2 (after the end) → reaching 19:40 L1, 20:10 L3, 20:50 L1, 21:30 L3.
 *   Lines: 20:00 10 tk 0.50 (← 19:40 L1) · 20:10 25 tk 1.25 (← 20:10 L3) · 20:30 7 tk 0.35 (← L3) · 21:00 100 tk 5.00
 *   (← 20:50 L1) · 21:45 3 tk 0.15 (← 21:30 L3). Total 145 tk, 7.25 USD.
 *   last click: L1 110 tk 5.50, L3 35 tk 1.75. Linear (2 : 2): 72.5 tk 3.625 each.
 * S2, model B, D+1 10:00–11:00. Clicks: 10:20 L4, 10:40 L4, 10:30 L4 (a bot). Lines: 10:05 20 tk 1.00 (before any click),
 *   10:30 40 tk 2.00, 10:50 1 tk 0.05. Total 61 tk, 3.05. last click: L4 41 tk 2.05, unattributed 20 tk 1.00.
 *   Linear: L4 61 tk 3.05.
 * S3, model A, D+1 15:00–16:00: one line of 12.34 USD (no tokens), no click → unattributed by both.
 * S4, model A, D+1 20:00–21:00. Clicks 20:05 L2, 20:06 L1, 20:07 L3; one line 20:30 10 tk 1.00.
 *   last click: L3 10 tk 1.00 (L1, L2: rows of 0). Linear thirds: 3.3333 tk / 0.3333 USD each, the leftover
 *   ten-thousandth (of each) to the smallest link key (L2 < L1 always; L3 first when a2's id sorts before a1's).
 * Outside any session: model A, D+1 18:00, 5 tk 0.25.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelReply, RevenueReply } from '../contracts/api/revenue.js';
import { attributeStream } from '../db/attribution.js';
import { insertClickBatch, type StoredClick } from '../db/clicks.js';
import { clicks as clicksTable, publicationStats, revenueAttribution, streams } from '../db/schema.js';
import { createAccount, createModel, createPlatform, createPublication } from './helpers/overview-seed.js';
import { createSession, insertLines } from './helpers/revenue-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
const run = randomUUID().slice(0, 6);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const db = () => stack.app.db.db;
/** A UTC midnight 12 days ago: inside raw-click retention, clear of what other files do now. */
const D = Math.floor(Date.now() / DAY) * DAY - 12 * DAY;
const at = (day: number, hhmm: string) => new Date(D + day * DAY + Number(hhmm.slice(0, 2)) * HOUR + Number(hhmm.slice(3, 5)) * 60_000);
const range = { from: new Date(D), to: new Date(D + 2 * DAY) };
const iso = (d: Date) => d.toISOString();
const WINDOW = 30;

let modelA: { id: string; name: string };
let modelB: { id: string; name: string };
let platformX: string;
let platformY: string;
let a1: string;
let a2: string;
let b1: string;
let p1: string;
let p2: string;
const sessions: Record<'s1' | 's2' | 's3' | 's4', string> = { s1: '', s2: '', s3: '', s4: '' };
/** Whether a2's link keys sort before a1's (who gets S4's leftover ten-thousandth). */
let a2First: boolean;

function click(ts: Date, accountId: string, publicationId: string | null, isBot = false): StoredClick {
  return {
    ts, accountId, publicationId, visitorHash: `v-${randomUUID()}`, country: 'CO', city: null, referrerHost: null,
    device: isBot ? 'bot' : 'mobile', os: null, browser: null, isBot,
  };
}

async function api(path: string, token: string | null = stack.apiToken) {
  const response = await fetch(`${stack.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  let body: any = text;
  if (response.headers.get('content-type')?.includes('json')) body = text ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, body };
}

async function revenue(params: Record<string, string>): Promise<RevenueReply> {
  const { status, body } = await api(`/api/revenue?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), ...params })}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as RevenueReply;
}

async function funnel(params: Record<string, string> = {}): Promise<FunnelReply> {
  const { status, body } = await api(`/api/revenue/funnel?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), ...params })}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as FunnelReply;
}

const pick = (rows: RevenueReply['rows'], key: string | null, accountId?: string) =>
  rows.find((r) => r.key === key && (accountId === undefined || r.accountId === accountId));
const figures = (r: RevenueReply['rows'][number] | undefined) => r && { amountUsd: r.amountUsd, tokens: r.tokens, clicks: r.clicks, sessions: r.sessions };

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  const d = db();
  platformX = `rev-x-${run}`;
  platformY = `rev-y-${run}`;
  const x = await createPlatform(d, stack.seeded.platformId, platformX, true);
  const y = await createPlatform(d, stack.seeded.platformId, platformY, true);
  modelA = await createModel(d, `Ingresos A ${run}`);
  modelB = await createModel(d, `Ingresos B ${run}`);
  a1 = (await createAccount(d, { modelId: modelA.id, platformId: x.id, username: `rev_a1_${run}` })).id;
  a2 = (await createAccount(d, { modelId: modelA.id, platformId: y.id, username: `rev_a2_${run}` })).id;
  b1 = (await createAccount(d, { modelId: modelB.id, platformId: x.id, username: `rev_b1_${run}` })).id;
  a2First = a2 < a1;
  p1 = (await createPublication(d, { id: a1, modelId: modelA.id }, { status: 'published', publishedAt: at(0, '08:00') })).id;
  p2 = (await createPublication(d, { id: a2, modelId: modelA.id }, { status: 'published', publishedAt: at(0, '09:00') })).id;
  // A post before the period: its views are not the period's.
  const old = (await createPublication(d, { id: a1, modelId: modelA.id }, { status: 'published', publishedAt: at(-3, '09:00') })).id;
  await d.insert(publicationStats).values([
    { publicationId: p1, views: 200, metricsAt: at(1, '00:00') },
    { publicationId: p2, views: 50, metricsAt: at(1, '00:00') },
    { publicationId: old, views: 9999, metricsAt: at(1, '00:00') },
  ]);

  await insertClickBatch(d, [
    click(at(0, '19:20'), a1, p1), click(at(0, '19:40'), a1, p1), click(at(0, '19:45'), a1, null, true), click(at(0, '20:10'), a2, p2),
    click(at(0, '20:50'), a1, p1), click(at(0, '21:30'), a2, p2), click(at(0, '22:05'), a1, null),
    click(at(1, '10:20'), b1, null), click(at(1, '10:40'), b1, null), click(at(1, '10:30'), b1, null, true),
    click(at(1, '20:05'), a1, null), click(at(1, '20:06'), a1, p1), click(at(1, '20:07'), a2, p2),
  ]);

  sessions.s1 = await createSession(d, modelA.id, { startedAt: at(0, '20:00'), endedAt: at(0, '22:00'), lines: [
    { at: at(0, '20:00'), tokens: 10, amountUsd: '0.5000' }, { at: at(0, '20:10'), tokens: 25, amountUsd: '1.2500' },
    { at: at(0, '20:30'), tokens: 7, amountUsd: '0.3500' }, { at: at(0, '21:00'), tokens: 100, amountUsd: '5.0000' },
    { at: at(0, '21:45'), tokens: 3, amountUsd: '0.1500' },
  ] });
  sessions.s2 = await createSession(d, modelB.id, { startedAt: at(1, '10:00'), endedAt: at(1, '11:00'), lines: [
    { at: at(1, '10:05'), tokens: 20, amountUsd: '1.0000' }, { at: at(1, '10:30'), tokens: 40, amountUsd: '2.0000' },
    { at: at(1, '10:50'), tokens: 1, amountUsd: '0.0500' },
  ] });
  sessions.s3 = await createSession(d, modelA.id, { startedAt: at(1, '15:00'), endedAt: at(1, '16:00'), site: 'stripchat', lines: [
    { at: at(1, '15:30'), tokens: null, amountUsd: '12.3400' },
  ] });
  sessions.s4 = await createSession(d, modelA.id, { startedAt: at(1, '20:00'), endedAt: at(1, '21:00'), lines: [
    { at: at(1, '20:30'), tokens: 10, amountUsd: '1.0000' },
  ] });
  await insertLines(d, modelA.id, null, [{ at: at(1, '18:00'), tokens: 5, amountUsd: '0.2500' }]);
});
afterAll(async () => {
  await stack?.close();
});

describe('attributeStream', () => {
  it('is pending until computed: the period counts the sessions, nothing attributed', async () => {
    const answer = await revenue({ groupBy: 'model', modelId: modelA.id });
    expect(answer.rows).toEqual([]);
    expect(answer.totals).toMatchObject({ sessions: 3, pendingSessions: 3, amountUsd: '20.5900', unattributed: { amountUsd: '20.5900' } });
  });

  it('stores a row per link and method with the hand-computed shares, and stamps the session', async () => {
    for (const id of Object.values(sessions)) expect((await attributeStream(db(), id, { windowMinutes: WINDOW })).status).toBe('computed');
    const rows = await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s1));
    const shape = rows.map((r) => [r.method, r.accountId, r.publicationId, r.clicks, r.tokens, r.amountUsd]).sort((x, y) => String(x).localeCompare(String(y)));
    expect(shape).toEqual([
      ['last_click', a1, p1, 2, '110.0000', '5.5000'], ['last_click', a2, p2, 2, '35.0000', '1.7500'],
      ['linear', a1, p1, 2, '72.5000', '3.6250'], ['linear', a2, p2, 2, '72.5000', '3.6250'],
    ].sort((x, y) => String(x).localeCompare(String(y))));
    expect(rows.every((r) => r.streamStartedAt.getTime() === at(0, '20:00').getTime() && r.modelId === modelA.id)).toBe(true);
    const [s1] = await db().select({ attributedAt: streams.attributedAt }).from(streams).where(eq(streams.id, sessions.s1));
    expect(s1!.attributedAt).not.toBeNull();
    // S3: no click reached it, so no rows.
    expect(await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s3))).toEqual([]);
  });

  it('is idempotent: computing again replaces the rows with the same ones', async () => {
    const before = await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s4));
    expect(before).toHaveLength(6);
    await attributeStream(db(), sessions.s4, { windowMinutes: WINDOW });
    await attributeStream(db(), sessions.s4, { windowMinutes: WINDOW });
    const after = await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s4));
    const strip = (rows: typeof before) => rows.map(({ id: _, ...r }) => r).sort((x, y) => `${x.method}${x.accountId}${x.publicationId}`.localeCompare(`${y.method}${y.accountId}${y.publicationId}`));
    expect(strip(after)).toEqual(strip(before));
  });

  it('keeps what it knew when retention has deleted the raw clicks', async () => {
    const before = await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s2));
    await db().delete(clicksTable).where(and(eq(clicksTable.accountId, b1)));
    expect((await attributeStream(db(), sessions.s2, { windowMinutes: WINDOW })).status).toBe('kept');
    expect(await db().select().from(revenueAttribution).where(eq(revenueAttribution.streamId, sessions.s2))).toHaveLength(before.length);
    expect((await attributeStream(db(), randomUUID(), { windowMinutes: WINDOW })).status).toBe('missing');
  });
});

describe('GET /api/revenue', () => {
  it('needs a token or session', async () => {
    expect((await api('/api/revenue?groupBy=model', null)).status).toBe(401);
    expect((await api('/api/revenue/funnel', null)).status).toBe(401);
  });

  it('by model, last click: hand-computed figures and the totals apart', async () => {
    const a = await revenue({ groupBy: 'model', method: 'last_click', modelId: modelA.id });
    expect(a).toMatchObject({ from: iso(range.from), to: iso(range.to), groupBy: 'model', method: 'last_click' });
    // S1 7.25 + S4 1.00; clicks 4 + 3; sessions S1, S4.
    expect(a.rows).toEqual([{ key: modelA.id, label: modelA.name, accountId: null, amountUsd: '8.2500', tokens: '155.0000', clicks: 7, sessions: 2 }]);
    expect(a.totals).toEqual({
      sessions: 3, amountUsd: '20.5900', tokens: '155.0000',
      attributed: { amountUsd: '8.2500', tokens: '155.0000', clicks: 7 },
      unattributed: { amountUsd: '12.3400', tokens: '0.0000' },
      pendingSessions: 0,
      outsideSessions: { amountUsd: '0.2500', tokens: '5.0000', lines: 1 },
    });
    const b = await revenue({ groupBy: 'model', modelId: modelB.id });
    expect(b.method).toBe('last_click');
    expect(b.rows).toEqual([{ key: modelB.id, label: modelB.name, accountId: null, amountUsd: '2.0500', tokens: '41.0000', clicks: 2, sessions: 1 }]);
    expect(b.totals.unattributed).toEqual({ amountUsd: '1.0000', tokens: '20.0000' });
  });

  it('by model, linear: the line before the first click is shared too', async () => {
    const b = await revenue({ groupBy: 'model', method: 'linear', modelId: modelB.id });
    expect(b.rows).toEqual([{ key: modelB.id, label: modelB.name, accountId: null, amountUsd: '3.0500', tokens: '61.0000', clicks: 2, sessions: 1 }]);
    expect(b.totals.unattributed).toEqual({ amountUsd: '0.0000', tokens: '0.0000' });
    expect(b.totals.attributed).toEqual({ amountUsd: '3.0500', tokens: '61.0000', clicks: 2 });
  });

  it('by publication: a post, another, and the account’s own link, both methods', async () => {
    const last = await revenue({ groupBy: 'publication', method: 'last_click', modelId: modelA.id });
    expect(last.rows.map((r) => r.key)).toEqual([p1, p2, null]);
    expect(figures(pick(last.rows, p1))).toEqual({ amountUsd: '5.5000', tokens: '110.0000', clicks: 3, sessions: 2 });
    expect(figures(pick(last.rows, p2))).toEqual({ amountUsd: '2.7500', tokens: '45.0000', clicks: 3, sessions: 2 });
    expect(pick(last.rows, null)).toMatchObject({ accountId: a1, amountUsd: '0.0000', clicks: 1, sessions: 1, label: `@rev_a1_${run} · ${platformX}` });
    expect(pick(last.rows, p1)!.label).toBe(`${modelA.name} · ${platformX} · ${iso(at(0, '00:00')).slice(0, 10)}`);

    const linear = await revenue({ groupBy: 'publication', method: 'linear', modelId: modelA.id });
    // S1 3.625 each; S4 thirds: 0.3333 each, +0.0001 to the first key (L2, or L3 when a2 sorts first).
    expect(pick(linear.rows, p1)!.amountUsd).toBe('3.9583');
    expect(pick(linear.rows, p2)!.amountUsd).toBe(a2First ? '3.9584' : '3.9583');
    expect(pick(linear.rows, null)!.amountUsd).toBe(a2First ? '0.3333' : '0.3334');
    expect(pick(linear.rows, p1)!.tokens).toBe('75.8333');
    expect(pick(linear.rows, null)!.tokens).toBe(a2First ? '3.3333' : '3.3334');
  });

  it('by account and by platform (my platforms only: the database is shared)', async () => {
    const accounts = await revenue({ groupBy: 'account', method: 'linear', modelId: modelA.id });
    expect(figures(pick(accounts.rows, a1))).toEqual({ amountUsd: a2First ? '4.2916' : '4.2917', tokens: a2First ? '79.1666' : '79.1667', clicks: 4, sessions: 2 });
    expect(figures(pick(accounts.rows, a2))).toEqual({ amountUsd: a2First ? '3.9584' : '3.9583', tokens: a2First ? '75.8334' : '75.8333', clicks: 3, sessions: 2 });
    expect(pick(accounts.rows, a1)!.label).toBe(`@rev_a1_${run} · ${platformX}`);

    const platforms = await revenue({ groupBy: 'platform', method: 'last_click', limit: '1000' });
    // X: S1 L1 5.50 + S4 0 + S2 L4 2.05; sessions S1, S4, S2.
    expect(figures(pick(platforms.rows, platformX))).toEqual({ amountUsd: '7.5500', tokens: '151.0000', clicks: 6, sessions: 3 });
    expect(figures(pick(platforms.rows, platformY))).toEqual({ amountUsd: '2.7500', tokens: '45.0000', clicks: 3, sessions: 2 });
    const idx = (key: string) => platforms.rows.findIndex((r) => r.key === key);
    expect(idx(platformX)).toBeLessThan(idx(platformY));
  });

  it('answers CSV with the method and the unattributed last', async () => {
    const { status, headers, body } = await api(`/api/revenue?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), groupBy: 'model', method: 'last_click', modelId: modelB.id, format: 'csv' })}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/csv');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="revenue-model-last_click-.+\.csv"$/);
    const lines = (body as string).trim().split('\r\n');
    expect(lines[0]).toBe('key,label,method,amountUsd,tokens,clicks,sessions');
    expect(lines[1]).toBe(`${modelB.id},${modelB.name},last_click,2.0500,41.0000,2,1`);
    expect(lines[2]).toBe('unattributed,,last_click,1.0000,20.0000,,');
  });

  it('by day, last click: every UTC day of the range, the attributed part, the day’s total and the rest', async () => {
    const a = await revenue({ groupBy: 'day', method: 'last_click', modelId: modelA.id });
    expect(a).toMatchObject({ groupBy: 'day', method: 'last_click' });
    expect(a.rows).toEqual([
      // D: S1 7.25 (145 tk), all of it credited (L1 5.50 + L3 1.75); 4 reaching clicks.
      {
        key: iso(at(0, '00:00')), label: iso(at(0, '00:00')).slice(0, 10), accountId: null, amountUsd: '7.2500', tokens: '145.0000', clicks: 4, sessions: 1,
        total: { sessions: 1, amountUsd: '7.2500', tokens: '145.0000' }, unattributed: { amountUsd: '0.0000', tokens: '0.0000' },
      },
      // D+1: S3 12.34 (no click, no tokens) and S4 1.00 (10 tk, to L3; 3 reaching clicks). The line outside any session is not a day's.
      {
        key: iso(at(1, '00:00')), label: iso(at(1, '00:00')).slice(0, 10), accountId: null, amountUsd: '1.0000', tokens: '10.0000', clicks: 3, sessions: 1,
        total: { sessions: 2, amountUsd: '13.3400', tokens: '10.0000' }, unattributed: { amountUsd: '12.3400', tokens: '0.0000' },
      },
    ]);
    // The days add up to the period's totals.
    expect(a.totals).toMatchObject({ sessions: 3, amountUsd: '20.5900', attributed: { amountUsd: '8.2500' }, unattributed: { amountUsd: '12.3400' } });

    const b = await revenue({ groupBy: 'day', method: 'last_click', modelId: modelB.id });
    // D: no session of model B, a row of zeros. D+1: S2 3.05 (61 tk), last click 2.05 (41 tk), the line before any click apart.
    expect(b.rows.map((r) => [r.label, r.amountUsd, r.tokens, r.clicks, r.sessions, r.total, r.unattributed])).toEqual([
      [iso(at(0, '00:00')).slice(0, 10), '0.0000', '0.0000', 0, 0, { sessions: 0, amountUsd: '0.0000', tokens: '0.0000' }, { amountUsd: '0.0000', tokens: '0.0000' }],
      [iso(at(1, '00:00')).slice(0, 10), '2.0500', '41.0000', 2, 1, { sessions: 1, amountUsd: '3.0500', tokens: '61.0000' }, { amountUsd: '1.0000', tokens: '20.0000' }],
    ]);
  });

  it('by day, linear: the method moves the attributed part, never the total', async () => {
    const b = await revenue({ groupBy: 'day', method: 'linear', modelId: modelB.id });
    expect(b.rows[1]).toMatchObject({
      amountUsd: '3.0500', tokens: '61.0000', clicks: 2, sessions: 1,
      total: { sessions: 1, amountUsd: '3.0500', tokens: '61.0000' }, unattributed: { amountUsd: '0.0000', tokens: '0.0000' },
    });
  });

  it('by day: partial days at the edges keyed by their UTC day’s start, empty days as zeros, `limit` ignored', async () => {
    // D 21:00 → D+2 06:00: S1 (D 20:00) is out; D (partial), D+1 and D+2 (partial) all listed.
    const { status, body } = await api(`/api/revenue?${new URLSearchParams({
      from: iso(at(0, '21:00')), to: iso(at(2, '06:00')), groupBy: 'day', method: 'linear', modelId: modelA.id, limit: '1',
    })}`);
    expect(status, JSON.stringify(body)).toBe(200);
    const rows = (body as RevenueReply).rows;
    expect(rows.map((r) => r.key)).toEqual([iso(at(0, '00:00')), iso(at(1, '00:00')), iso(at(2, '00:00'))]);
    expect(rows.map((r) => [r.amountUsd, r.total?.amountUsd, r.total?.sessions])).toEqual([
      ['0.0000', '0.0000', 0], ['1.0000', '13.3400', 2], ['0.0000', '0.0000', 0],
    ]);
  });

  it('by hour: every UTC hour of the range, each session in the hour it started, summing to the days', async () => {
    const a = await revenue({ groupBy: 'hour', method: 'last_click', modelId: modelA.id });
    expect(a.groupBy).toBe('hour');
    expect(a.rows).toHaveLength(48);
    expect(a.rows.map((r) => r.key)).toEqual(Array.from({ length: 48 }, (_, h) => iso(new Date(D + h * HOUR))));
    expect(a.rows[0]!.label).toBe(`${iso(at(0, '00:00')).slice(0, 16)}Z`);
    // S1 at D 20:00; S3 at D+1 15:00 (nothing attributed); S4 at D+1 20:00. Every other hour is zeros.
    const nonZero = a.rows.filter((r) => r.total!.sessions > 0).map((r) => [r.key, r.amountUsd, r.clicks, r.total!.amountUsd, r.unattributed!.amountUsd]);
    expect(nonZero).toEqual([
      [iso(at(0, '20:00')), '7.2500', 4, '7.2500', '0.0000'],
      [iso(at(1, '15:00')), '0.0000', 0, '12.3400', '12.3400'],
      [iso(at(1, '20:00')), '1.0000', 3, '1.0000', '0.0000'],
    ]);
    const days = await revenue({ groupBy: 'day', method: 'last_click', modelId: modelA.id });
    for (const [i, day] of days.rows.entries()) {
      const hours = a.rows.slice(i * 24, (i + 1) * 24);
      expect(hours.reduce((n, r) => n + r.total!.sessions, 0)).toBe(day.total!.sessions);
      expect(hours.reduce((n, r) => n + r.clicks, 0)).toBe(day.clicks);
    }
    // A CSV per hour, in the day grouping's columns.
    const csv = await api(`/api/revenue?${new URLSearchParams({ from: iso(at(1, '14:00')), to: iso(at(1, '16:00')), groupBy: 'hour', method: 'last_click', modelId: modelA.id, format: 'csv' })}`);
    expect(csv.status).toBe(200);
    expect((csv.body as string).trim().split('\r\n')).toEqual([
      'key,label,method,amountUsd,tokens,clicks,sessions,unattributedUsd,unattributedTokens,totalUsd,totalTokens,totalSessions',
      `${iso(at(1, '14:00'))},${iso(at(1, '14:00')).slice(0, 16)}Z,last_click,0.0000,0.0000,0,0,0.0000,0.0000,0.0000,0.0000,0`,
      `${iso(at(1, '15:00'))},${iso(at(1, '15:00')).slice(0, 16)}Z,last_click,0.0000,0.0000,0,0,12.3400,0.0000,12.3400,0.0000,1`,
    ]);
  });

  it('by day as CSV: one line per day with the attributed, unattributed and total amounts', async () => {
    const { status, headers, body } = await api(`/api/revenue?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), groupBy: 'day', method: 'last_click', modelId: modelB.id, format: 'csv' })}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/csv');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="revenue-day-last_click-.+\.csv"$/);
    const lines = (body as string).trim().split('\r\n');
    expect(lines).toEqual([
      'key,label,method,amountUsd,tokens,clicks,sessions,unattributedUsd,unattributedTokens,totalUsd,totalTokens,totalSessions',
      `${iso(at(0, '00:00'))},${iso(at(0, '00:00')).slice(0, 10)},last_click,0.0000,0.0000,0,0,0.0000,0.0000,0.0000,0.0000,0`,
      `${iso(at(1, '00:00'))},${iso(at(1, '00:00')).slice(0, 10)},last_click,2.0500,41.0000,2,1,1.0000,20.0000,3.0500,61.0000,1`,
    ]);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const bad = async (path: string, field: string) => {
      const { status, body } = await api(path);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(body.message).toContain(field);
    };
    const t = iso(range.to);
    await bad('/api/revenue?groupBy=country', 'groupBy');
    await bad('/api/revenue?groupBy=week', 'groupBy');
    await bad(`/api/revenue?groupBy=day&from=${t}&to=${t}`, 'to');
    // Hours for a month at most, as the clicks API.
    await bad(`/api/revenue?groupBy=hour&from=${iso(new Date(range.to.getTime() - 32 * DAY))}&to=${t}`, 'groupBy');
    await bad('/api/revenue', 'groupBy');
    await bad('/api/revenue?groupBy=model&method=first_click', 'method');
    await bad('/api/revenue?groupBy=model&modelId=nope', 'modelId');
    await bad('/api/revenue?groupBy=model&limit=0', 'limit');
    await bad(`/api/revenue?groupBy=model&from=${t}&to=${t}`, 'to');
    await bad(`/api/revenue?groupBy=model&from=${iso(new Date(range.to.getTime() - 401 * DAY))}&to=${t}`, 'to');
    await bad('/api/revenue?groupBy=model&from=yesterday', 'from');
    await bad(`/api/revenue/funnel?from=${t}&to=${t}`, 'to');
    await bad('/api/revenue/funnel?modelId=1', 'modelId');
  });
});

describe('GET /api/revenue/funnel', () => {
  it('per platform: views → clicks → stream visits → earnings by both methods', async () => {
    const answer = await funnel();
    const x = answer.rows.find((r) => r.platform === platformX);
    const y = answer.rows.find((r) => r.platform === platformY);
    // X: p1 (200 views; the older post is not the period's). People's clicks (rollups: b1's raw clicks deleted above stay
    // counted there): a1 19:20, 19:40, 20:50, 22:05, 20:05, 20:06 and b1 10:20, 10:40. Visits: S1 L1 2, S4 L1 1 + L2 1, S2 L4 2.
    expect(x).toEqual({
      platform: platformX, publications: 1, views: 200, clicks: 8, uniqueClicks: 8, streamVisits: 6,
      amountUsd: { last_click: '7.5500', linear: a2First ? '7.3416' : '7.3417' },
    });
    expect(y).toEqual({
      platform: platformY, publications: 1, views: 50, clicks: 3, uniqueClicks: 3, streamVisits: 3,
      amountUsd: { last_click: '2.7500', linear: a2First ? '3.9584' : '3.9583' },
    });
  });

  it('narrowed to a model, with the totals and what no platform was credited with', async () => {
    const answer = await funnel({ modelId: modelA.id });
    expect(answer.rows.map((r) => r.platform).sort()).toEqual([platformX, platformY].sort());
    expect(answer.totals).toEqual({
      publications: 2, views: 250, clicks: 9, uniqueClicks: 9, streamVisits: 7, amountUsd: { last_click: '8.2500', linear: '8.2500' },
    });
    // S3's 12.34 (no click reached it).
    expect(answer.unattributedUsd).toEqual({ last_click: '12.3400', linear: '12.3400' });
    const b = await funnel({ modelId: modelB.id });
    expect(b.unattributedUsd).toEqual({ last_click: '1.0000', linear: '0.0000' });
  });

  it('answers CSV', async () => {
    const { status, body } = await api(`/api/revenue/funnel?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), modelId: modelA.id, format: 'csv' })}`);
    expect(status).toBe(200);
    const lines = (body as string).trim().split('\r\n');
    expect(lines[0]).toBe('platform,publications,views,clicks,uniqueClicks,streamVisits,amountUsdLastClick,amountUsdLinear');
    expect(lines).toContain(`${platformY},1,50,3,3,3,2.7500,${a2First ? '3.9584' : '3.9583'}`);
  });

  it('is in the OpenAPI document', async () => {
    const { body } = await api('/api/openapi.json');
    expect(body.paths['/api/revenue'].get.tags).toEqual(['revenue']);
    expect(body.paths['/api/revenue/funnel'].get.tags).toEqual(['revenue']);
    // The day and hour groupings are documented with their zone.
    const groupBy = body.paths['/api/revenue'].get.parameters.find((p: { name: string }) => p.name === 'groupBy');
    expect(groupBy.schema.enum).toEqual(expect.arrayContaining(['day', 'hour']));
    expect(body.paths['/api/revenue'].get.description).toContain('calendar day / hour of session start in UTC');
  });
});
