/**
 * The analytics API on the whole stack (PostgreSQL, Temporal, workers): clicks stored with the recorder's own batch
 * insert (db/clicks.ts insertClickBatch, which keeps the rollups) on this file's own models, platforms and accounts,
 * then GET /api/analytics/clicks answers every grouping as a reference sum over the seeded clicks says — the range's
 * partial first and last days counted by the hour, its whole days by the day —, the bot filters, the previous
 * period, zero buckets, CSV (headers, escaping, formulas neutralised), and 400s naming the field;
 * GET /api/analytics/publications (views, likes, clicks, CTR, sorts, CSV); the overview's clicks today and top posts
 * of the week; auth and the OpenAPI document. The database is shared with the other test files: every query here is
 * scoped to this file's rows, and global figures are compared as differences.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickRow, ClicksReply, PublicationsAnalyticsReply } from '../contracts/api/analytics.js';
import type { Overview } from '../contracts/api/overview.js';
import { insertClickBatch, type StoredClick } from '../db/clicks.js';
import { insertMetrics } from '../db/publications.js';
import { createAccount, createModel, createPlatform, createPublication } from './helpers/overview-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
const run = randomUUID().slice(0, 6);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const db = () => stack.app.db.db;

/** A UTC midnight ten days ago: the seeded days, well clear of anything else that happens now. */
const D = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
const at = (dayOffset: number, hhmm: string) => new Date(D + dayOffset * DAY + Number(hhmm.slice(0, 2)) * HOUR + Number(hhmm.slice(3, 5)) * 60_000);
/** The range asked for: a partial day (from 20:00), two whole days, a partial day (to 05:00). */
const range = { from: at(-1, '20:00'), to: at(2, '05:00') };
const span = range.to.getTime() - range.from.getTime();
const iso = (date: Date) => date.toISOString();

interface Owner { accountId: string; modelId: string; platform: string; username: string }
let modelA: { id: string; name: string };
let modelB: { id: string; name: string };
let platformX: string;
let platformY: string;
let a1: Owner;
let a2: Owner;
let b1: Owner;
let p1: { id: string; publishedAt: Date };
let p2: { id: string; publishedAt: Date };

interface Seed {
  at: Date;
  owner: Owner;
  publicationId?: string;
  visitor: string;
  country?: string;
  city?: string;
  device?: string;
  os?: string;
  browser?: string;
  referrer?: string;
  bot?: boolean;
}
let seeds: (Seed & { unique: boolean })[] = [];

function stored(s: Seed): StoredClick {
  return {
    ts: s.at, accountId: s.owner.accountId, publicationId: s.publicationId ?? null, visitorHash: s.visitor, country: s.country ?? null,
    city: s.city ?? null, referrerHost: s.referrer ?? null, device: s.device ?? null, os: s.os ?? null, browser: s.browser ?? null, isBot: s.bot ?? false,
  };
}

/** The product's definition of unique, independently: a visitor's first click on a link (bots apart) on a UTC day. */
function withUniques(list: Seed[]): (Seed & { unique: boolean })[] {
  const seen = new Set<string>();
  return [...list].sort((a, b) => a.at.getTime() - b.at.getTime()).map((s) => {
    const key = [Math.floor(s.at.getTime() / DAY), s.owner.accountId, s.publicationId ?? '', s.bot ? 'bot' : '', s.visitor].join('/');
    const unique = !seen.has(key);
    seen.add(key);
    return { ...s, unique };
  });
}

type Counts = { total: number; unique: number; bots: number };
type Scope = { modelId?: string; accountId?: string; platform?: string };

/** The reference: seeded clicks in [from, to) within the scope, summed by `keyOf` under the bot filter. */
function reference(keyOf: (s: Seed) => string | null, scope: Scope, bots: 'exclude' | 'include' | 'only' = 'exclude', r = range): Map<string | null, Counts> {
  const out = new Map<string | null, Counts>();
  for (const s of seeds) {
    if (s.at < r.from || s.at >= r.to) continue;
    if (scope.modelId && s.owner.modelId !== scope.modelId) continue;
    if (scope.accountId && s.owner.accountId !== scope.accountId) continue;
    if (scope.platform && s.owner.platform !== scope.platform) continue;
    const key = keyOf(s);
    const row = out.get(key) ?? { total: 0, unique: 0, bots: 0 };
    const counted = bots === 'include' || (bots === 'only') === !!s.bot;
    if (counted) {
      row.total += 1;
      if (s.unique) row.unique += 1;
    }
    if (s.bot) row.bots += 1;
    out.set(key, row);
  }
  return out;
}

const sumOf = (rows: Iterable<Counts>): Counts => {
  const t = { total: 0, unique: 0, bots: 0 };
  for (const r of rows) {
    t.total += r.total;
    t.unique += r.unique;
    t.bots += r.bots;
  }
  return t;
};

async function api(path: string, token: string | null = stack.apiToken) {
  const response = await fetch(`${stack.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  let body: any = text;
  if (response.headers.get('content-type')?.includes('json')) body = text ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, body };
}

async function clicks(params: Record<string, string | undefined>): Promise<ClicksReply> {
  const query = new URLSearchParams(Object.entries({ from: iso(range.from), to: iso(range.to), ...params }).filter((e): e is [string, string] => e[1] !== undefined));
  const { status, body } = await api(`/api/analytics/clicks?${query}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as ClicksReply;
}

const asMap = (rows: ClickRow[]) => new Map(rows.map((r) => [r.key, { total: r.total, unique: r.unique, bots: r.bots }]));

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  const d = db();
  platformX = `an-x-${run}`;
  platformY = `an-y-${run}`;
  const x = await createPlatform(d, stack.seeded.platformId, platformX, true);
  const y = await createPlatform(d, stack.seeded.platformId, platformY, true);
  modelA = await createModel(d, `Analítica A ${run}`);
  modelB = await createModel(d, `Analítica B ${run}`);
  const account = async (model: { id: string }, platform: { id: string }, platformName: string, username: string): Promise<Owner> => {
    const row = await createAccount(d, { modelId: model.id, platformId: platform.id, username });
    return { accountId: row.id, modelId: model.id, platform: platformName, username };
  };
  a1 = await account(modelA, x, platformX, `an_a1_${run}`);
  a2 = await account(modelA, y, platformY, `an_a2_${run}`);
  b1 = await account(modelB, x, platformX, `an_b1_${run}`);
  const published1 = at(-1, '08:00');
  const published2 = at(0, '09:00');
  p1 = { id: (await createPublication(d, { id: a1.accountId, modelId: modelA.id }, { status: 'published', publishedAt: published1 })).id, publishedAt: published1 };
  p2 = { id: (await createPublication(d, { id: a2.accountId, modelId: modelA.id }, { status: 'published', publishedAt: published2 })).id, publishedAt: published2 };

  seeds = withUniques([
    // Before the range, on its first (partial) day: read by the hour, so left out.
    { at: at(-1, '19:59'), owner: a1, publicationId: p1.id, visitor: 'v0', country: 'US', device: 'mobile' },
    // The previous period (the same length just before `from`).
    { at: at(-2, '12:00'), owner: a1, visitor: 'v9', country: 'US', device: 'desktop' },
    // The first, partial day.
    { at: at(-1, '21:30'), owner: a1, publicationId: p1.id, visitor: 'v1', country: 'US', city: 'Miami', device: 'mobile', os: 'iOS', browser: 'Safari', referrer: 't.co' },
    { at: at(-1, '21:45'), owner: a1, publicationId: p1.id, visitor: 'v1', country: 'US', city: 'Miami', device: 'mobile', os: 'iOS', browser: 'Safari', referrer: 't.co' },
    // Whole days.
    { at: at(0, '10:00'), owner: a2, publicationId: p2.id, visitor: 'v2', country: 'CO', city: 'Bogotá', device: 'desktop', os: 'Windows', browser: 'Chrome' },
    { at: at(0, '10:05'), owner: a2, publicationId: p2.id, visitor: 'v2', country: 'CO', city: 'Bogotá', device: 'desktop', os: 'Windows', browser: 'Chrome', bot: true },
    { at: at(1, '12:00'), owner: b1, visitor: 'tg', device: 'bot', browser: 'TelegramBot', referrer: '=HYPERLINK("http://evil.example")', bot: true },
    { at: at(1, '13:00'), owner: b1, visitor: 'v4', country: 'MX', device: 'tablet', referrer: '-2+3' },
    // The last, partial day: 03:10 counts, 05:00 (= to, exclusive) does not.
    { at: at(2, '03:10'), owner: a1, publicationId: p1.id, visitor: 'v3', country: 'US', city: 'Austin', device: 'mobile', os: 'Android', browser: 'Chrome', referrer: 'instagram.com' },
    { at: at(2, '05:00'), owner: a1, publicationId: p1.id, visitor: 'v5', country: 'US', device: 'mobile' },
  ]);
  await insertClickBatch(d, seeds.map(stored));
  await insertMetrics(d, { publicationId: p1.id, source: 'test', views: 200, likes: 9, comments: 2, shares: 1 });
  await insertMetrics(d, { publicationId: p2.id, source: 'test', views: 0, likes: 0 });
});
afterAll(async () => {
  await stack?.close();
});

describe('GET /api/analytics/clicks', () => {
  it('needs a token or session', async () => {
    expect((await api(`/api/analytics/clicks?groupBy=day`, null)).status).toBe(401);
    expect((await api(`/api/analytics/publications`, null)).status).toBe(401);
  });

  it('groups by UTC day with every bucket (zeros included), exact at partial days, with totals and the previous period', async () => {
    const answer = await clicks({ groupBy: 'day', modelId: modelA.id });
    expect(answer).toMatchObject({ from: iso(range.from), to: iso(range.to), groupBy: 'day', bots: 'exclude' });
    expect(answer.rows.map((r) => r.key)).toEqual([-1, 0, 1, 2].map((n) => iso(new Date(D + n * DAY))));
    const expected = reference((s) => iso(new Date(Math.floor(s.at.getTime() / DAY) * DAY)), { modelId: modelA.id });
    for (const row of answer.rows) expect(row).toEqual({ key: row.key, label: null, ...(expected.get(row.key) ?? { total: 0, unique: 0, bots: 0 }) });
    // Literally: 21:30 and 21:45 (one visitor), not 19:59; a person and a bot on day 0; nothing of model A on day 1; 03:10 but not 05:00.
    expect(answer.rows.map((r) => [r.total, r.unique, r.bots])).toEqual([[2, 1, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0]]);
    expect(answer.totals).toEqual({ total: 4, unique: 3, bots: 1 });
    // The previous period holds the 12:00 click two days before and the 19:59 one just before `from`.
    expect(answer.previous).toEqual({ from: iso(new Date(range.from.getTime() - span)), to: iso(range.from), totals: { total: 2, unique: 2, bots: 0 } });
  });

  it('groups by hour: every UTC hour of the range, the clicks in theirs', async () => {
    const answer = await clicks({ groupBy: 'hour', accountId: a1.accountId });
    expect(answer.rows).toHaveLength(span / HOUR);
    expect(answer.rows[0]!.key).toBe(iso(range.from));
    const nonZero = answer.rows.filter((r) => r.total + r.bots > 0).map((r) => [r.key, r.total, r.unique]);
    expect(nonZero).toEqual([[iso(at(-1, '21:00')), 2, 1], [iso(at(2, '03:00')), 1, 1]]);
  });

  it('groups by country, city, device, os, browser and referrer (unknown as null), largest first', async () => {
    const scope = { platform: platformX };
    const keyOf = {
      country: (s: Seed) => s.country ?? null,
      city: (s: Seed) => (s.city ? `${s.city}, ${s.country}` : null),
      device: (s: Seed) => s.device ?? null,
      os: (s: Seed) => s.os ?? null,
      browser: (s: Seed) => s.browser ?? null,
      referrer: (s: Seed) => s.referrer ?? null,
    };
    for (const [groupBy, of] of Object.entries(keyOf)) {
      const answer = await clicks({ groupBy, ...scope });
      expect(asMap(answer.rows), groupBy).toEqual(reference(of, scope));
      expect(answer.rows.every((r) => r.label === null)).toBe(true);
      const totals = answer.rows.map((r) => r.total);
      expect(totals, groupBy).toEqual([...totals].sort((a, b) => b - a));
    }
    const countries = await clicks({ groupBy: 'country', ...scope });
    expect(countries.rows[0]).toEqual({ key: 'US', label: null, total: 3, unique: 2, bots: 0 });
    // Direct visits (no referrer) are the null key.
    expect(asMap((await clicks({ groupBy: 'referrer', modelId: modelA.id })).rows).get(null)).toEqual({ total: 1, unique: 1, bots: 1 } satisfies Counts);
  });

  it('groups by publication, platform, model and account with readable labels', async () => {
    const byPublication = await clicks({ groupBy: 'publication', modelId: modelA.id });
    expect(asMap(byPublication.rows)).toEqual(reference((s) => s.publicationId ?? null, { modelId: modelA.id }));
    const day = (d: Date) => iso(d).slice(0, 10);
    expect(byPublication.rows.find((r) => r.key === p1.id)).toEqual({
      key: p1.id, label: `${modelA.name} · ${platformX} · ${day(p1.publishedAt)}`, total: 3, unique: 2, bots: 0,
    });
    expect(byPublication.rows.find((r) => r.key === p2.id)?.label).toBe(`${modelA.name} · ${platformY} · ${day(p2.publishedAt)}`);

    const byPlatform = await clicks({ groupBy: 'platform', modelId: modelA.id });
    expect(byPlatform.rows).toEqual([
      { key: platformX, label: platformX, total: 3, unique: 2, bots: 0 },
      { key: platformY, label: platformY, total: 1, unique: 1, bots: 1 },
    ]);
    const byModel = await clicks({ groupBy: 'model', platform: platformX });
    expect(byModel.rows).toEqual([
      { key: modelA.id, label: modelA.name, total: 3, unique: 2, bots: 0 },
      { key: modelB.id, label: modelB.name, total: 1, unique: 1, bots: 1 },
    ]);
    const byAccount = await clicks({ groupBy: 'account', platform: platformX, limit: '1' });
    expect(byAccount.rows).toEqual([{ key: a1.accountId, label: `@${a1.username} · ${platformX}`, total: 3, unique: 2, bots: 0 }]);
    // A model's filter narrows the accounts of any grouping; an unknown one gives nothing.
    expect((await clicks({ groupBy: 'account', modelId: modelB.id })).rows.map((r) => r.key)).toEqual([b1.accountId]);
    expect((await clicks({ groupBy: 'account', modelId: randomUUID() })).rows).toEqual([]);
  });

  it('bots=exclude|include|only picks what total/unique count; bots is always the bot clicks', async () => {
    const scope = { platform: platformX };
    for (const bots of ['exclude', 'include', 'only'] as const) {
      const answer = await clicks({ groupBy: 'device', ...scope, bots });
      expect(answer.bots).toBe(bots);
      expect(asMap(answer.rows), bots).toEqual(reference((s) => s.device ?? null, scope, bots));
      expect(answer.totals, bots).toEqual(sumOf(reference(() => '', scope, bots).values()));
    }
    expect((await clicks({ groupBy: 'day', ...scope, bots: 'only' })).totals).toEqual({ total: 1, unique: 1, bots: 1 });
    expect((await clicks({ groupBy: 'day', ...scope, bots: 'include' })).totals).toEqual({ total: 5, unique: 4, bots: 1 });
  });

  it('answers CSV with a header row, as an attachment, escaped and with spreadsheet formulas neutralised', async () => {
    const query = new URLSearchParams({ from: iso(range.from), to: iso(range.to), groupBy: 'referrer', platform: platformX, bots: 'include', format: 'csv' });
    const response = await api(`/api/analytics/clicks?${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const stamp = (d: Date) => `${iso(d).slice(0, 13)}${iso(d).slice(14, 16)}Z`;
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="clicks-referrer-${stamp(range.from)}-${stamp(range.to)}.csv"`);
    const lines = (response.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('key,label,total,unique,bots');
    expect(lines.slice(1).sort()).toEqual([
      `"'=HYPERLINK(""http://evil.example"")",,1,1,1`,
      `'-2+3,,1,1,0`,
      'instagram.com,,1,1,0',
      't.co,,2,1,0',
    ].sort());

    const cities = await api(`/api/analytics/clicks?${new URLSearchParams({ from: iso(range.from), to: iso(range.to), groupBy: 'city', modelId: modelA.id, format: 'csv' })}`);
    expect((cities.body as string).split('\r\n')).toContain('"Bogotá, CO",,1,1,1');
    expect(cities.headers.get('content-disposition')).toContain('filename="clicks-city-');
  });

  it('refuses bad ranges and groupings with a 400 naming the field', async () => {
    const bad = async (params: Record<string, string>, field: string) => {
      const { status, body } = await api(`/api/analytics/clicks?${new URLSearchParams(params)}`);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(body.fields ?? {}), JSON.stringify(body)).toContain(field);
      expect(body.message).toContain(field);
    };
    const t = iso(range.to);
    await bad({ groupBy: 'day', from: t, to: t }, 'to');
    await bad({ groupBy: 'day', from: t, to: iso(range.from) }, 'to');
    await bad({ groupBy: 'day', from: iso(new Date(range.to.getTime() - 401 * DAY)), to: t }, 'to');
    await bad({ groupBy: 'hour', from: iso(new Date(range.to.getTime() - 32 * DAY)), to: t }, 'groupBy');
    await bad({ groupBy: 'week', from: iso(range.from), to: t }, 'groupBy');
    await bad({ groupBy: 'day', from: 'yesterday', to: t }, 'from');
    await bad({ groupBy: 'day', bots: 'maybe' }, 'bots');
    const pubs = await api(`/api/analytics/publications?from=${t}&to=${t}`);
    expect(pubs.status).toBe(400);
    expect(pubs.body.fields).toHaveProperty('to');
    // 400 days and hour over 31 days are fine.
    await clicks({ groupBy: 'day', from: iso(new Date(range.to.getTime() - 400 * DAY)), modelId: modelA.id });
    expect((await clicks({ groupBy: 'hour', from: iso(new Date(range.to.getTime() - 31 * DAY)), modelId: modelA.id })).rows).toHaveLength(31 * 24);
    // 31 days asked for between half hours: taken to whole hours (one hour more), still accepted.
    const halfPast = new Date(range.to.getTime() + 30 * 60_000);
    const rounded = await clicks({ groupBy: 'hour', from: iso(new Date(halfPast.getTime() - 31 * DAY)), to: iso(halfPast), modelId: modelA.id });
    expect(rounded.rows).toHaveLength(31 * 24 + 1);
    expect(rounded.to).toBe(iso(new Date(range.to.getTime() + HOUR)));
  });

  it('defaults to the last 7 days up to now, taken to whole hours', async () => {
    const { status, body } = await api(`/api/analytics/clicks?groupBy=day&accountId=${a1.accountId}`);
    expect(status).toBe(200);
    const to = Date.parse(body.to);
    expect(to % HOUR).toBe(0);
    expect(Math.abs(to - Date.now())).toBeLessThanOrEqual(HOUR);
    expect(to - Date.parse(body.from)).toBe(7 * DAY);
  });
});

describe('GET /api/analytics/publications', () => {
  const window = { from: iso(at(-2, '00:00')), to: iso(at(1, '00:00')) };

  it('lists the publications that went out in the range with views, likes, clicks and CTR, sorted as asked', async () => {
    const { status, body } = await api(`/api/analytics/publications?${new URLSearchParams({ ...window, modelId: modelA.id })}`);
    expect(status, JSON.stringify(body)).toBe(200);
    const answer = body as PublicationsAnalyticsReply;
    expect(answer.items.map((i) => i.id)).toEqual([p1.id, p2.id]);
    // Clicks are the publication's running totals (people since it went out), the 05:00 click and the earlier one included.
    const p1Clicks = seeds.filter((s) => s.publicationId === p1.id && !s.bot);
    expect(answer.items[0]).toEqual({
      id: p1.id, contentId: expect.any(String), modelId: modelA.id, modelName: modelA.name, platform: platformX, accountId: a1.accountId,
      username: a1.username, publishedAt: iso(p1.publishedAt), postUrl: null, views: 200, likes: 9, comments: 2, shares: 1,
      clicks: p1Clicks.length, uniqueClicks: p1Clicks.filter((s) => s.unique).length, botClicks: 0, ctr: p1Clicks.length / 200,
    });
    expect(answer.items[1]).toMatchObject({ id: p2.id, views: 0, clicks: 1, botClicks: 1, ctr: null });

    const byViews = (await api(`/api/analytics/publications?${new URLSearchParams({ ...window, modelId: modelA.id, sort: 'publishedAt' })}`)).body as PublicationsAnalyticsReply;
    expect(byViews.items.map((i) => i.id)).toEqual([p2.id, p1.id]);
    const limited = (await api(`/api/analytics/publications?${new URLSearchParams({ ...window, platform: platformY, sort: 'ctr', limit: '1' })}`)).body as PublicationsAnalyticsReply;
    expect(limited.items.map((i) => i.id)).toEqual([p2.id]);
    // Published before the range: not listed.
    const later = (await api(`/api/analytics/publications?${new URLSearchParams({ from: iso(at(0, '00:00')), to: window.to, modelId: modelA.id })}`)).body as PublicationsAnalyticsReply;
    expect(later.items.map((i) => i.id)).toEqual([p2.id]);
  });

  it('answers CSV', async () => {
    const response = await api(`/api/analytics/publications?${new URLSearchParams({ ...window, modelId: modelA.id, format: 'csv' })}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="publications-\d{4}-\d\d-\d\dT\d{4}Z-\d{4}-\d\d-\d\dT\d{4}Z\.csv"$/);
    const lines = (response.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,publishedAt,model,platform,account,postUrl,views,likes,comments,shares,clicks,uniqueClicks,botClicks,ctr');
    expect(lines).toHaveLength(3);
    const p1Clicks = seeds.filter((s) => s.publicationId === p1.id && !s.bot);
    const figures = [200, 9, 2, 1, p1Clicks.length, p1Clicks.filter((s) => s.unique).length, 0, p1Clicks.length / 200];
    expect(lines[1]).toBe(`${p1.id},${iso(p1.publishedAt)},${modelA.name},${platformX},${a1.username},,${figures.join(',')}`);
  });
});

describe('GET /api/overview: traffic', () => {
  it('counts people’s clicks today (bots apart) and lists the week’s most clicked posts', async () => {
    const overview = async (): Promise<Overview> => {
      const { status, body } = await api('/api/overview');
      expect(status).toBe(200);
      return body as Overview;
    };
    const before = await overview();
    const now = new Date();
    const publishedAt = new Date(now.getTime() - 2 * HOUR);
    const hot = await createPublication(db(), { id: a2.accountId, modelId: modelA.id }, { status: 'published', publishedAt, postUrl: `https://demo.example/p/${run}` });
    await insertMetrics(db(), { publicationId: hot.id, source: 'test', views: 5000, likes: 70 });
    const today = Math.max(Math.floor(now.getTime() / DAY) * DAY, now.getTime() - 1000);
    // Enough clicks to lead any week of the shared test database.
    const burst: Seed[] = Array.from({ length: 600 }, (_, i) => ({ at: new Date(today), owner: a2, publicationId: hot.id, visitor: `hot${i % 400}` }));
    burst.push({ at: new Date(today), owner: a2, publicationId: hot.id, visitor: 'crawler', bot: true });
    await insertClickBatch(db(), burst.map(stored));

    const after = await overview();
    expect({
      total: after.clicksToday.total - before.clicksToday.total,
      unique: after.clicksToday.unique - before.clicksToday.unique,
      bots: after.clicksToday.bots - before.clicksToday.bots,
    }).toEqual({ total: 600, unique: 400, bots: 1 });
    expect(after.topPostsOfWeek.length).toBeLessThanOrEqual(5);
    expect(after.topPostsOfWeek[0]).toEqual({
      id: hot.id, contentId: hot.contentId, modelId: modelA.id, modelName: modelA.name, platform: platformY, accountId: a2.accountId,
      username: a2.username, publishedAt: iso(publishedAt), postUrl: `https://demo.example/p/${run}`, views: 5000, likes: 70, comments: null,
      shares: null, clicks: 600, uniqueClicks: 400, botClicks: 1, ctr: 600 / 5000,
    });
    const clicksOf = after.topPostsOfWeek.map((p) => p.clicks);
    expect(clicksOf).toEqual([...clicksOf].sort((a, b) => b - a));
  });
});

describe('OpenAPI', () => {
  it('documents both analytics routes under the analytics tag, with CSV as an answer', async () => {
    const { body: doc } = await api('/api/openapi.json');
    for (const path of ['/api/analytics/clicks', '/api/analytics/publications']) {
      const operation = doc.paths[path]?.get;
      expect(operation, path).toBeDefined();
      expect(operation.tags).toEqual(['analytics']);
      expect(Object.keys(operation.responses['200'].content)).toEqual(expect.arrayContaining(['application/json', 'text/csv']));
    }
    expect(doc.paths['/api/analytics/clicks'].get.parameters.map((p: { name: string }) => p.name))
      .toEqual(expect.arrayContaining(['from', 'to', 'groupBy', 'modelId', 'accountId', 'platform', 'bots', 'format', 'limit']));
  });
});
