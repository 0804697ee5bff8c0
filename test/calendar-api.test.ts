/**
 * The calendar API on the whole stack (PostgreSQL, Temporal, workers, demo platform): a model with fixed slots gets
 * a clip scheduled by the real pipeline, and GET /api/calendar answers it with the free slots of her rules (the
 * taken one left out); published rows sit at their publish time; filters by model, platform and account; bad input
 * is a 400 naming the field. Also the admin's time-zone preference (GET/PATCH /api/settings/preferences), which
 * decides the calendar's zone before the browser's `tz`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarResponse } from '../contracts/api/calendar.js';
import { zonedTimeToUtc } from '../core/scheduling.js';
import { createAccount, createPlatform, createPublication } from './helpers/overview-seed.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const run = randomBytes(3).toString('hex');
const zone = 'America/Bogota';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Three slots at least two hours from now (her zone), so nothing is published while the test runs. */
function slotsAwayFromNow(): string[] {
  const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date())) % 24;
  return [3, 7, 11].map((ahead) => `${String((hour + ahead) % 24).padStart(2, '0')}:00`).sort();
}
const slots = slotsAwayFromNow();

let modelId: string;
let accountId: string;
let publication: { id: string; contentId: string; scheduledTime: string };

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function calendar(params: Record<string, string>): Promise<CalendarResponse> {
  const response = await api('GET', `/api/calendar?${new URLSearchParams(params)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as CalendarResponse;
}

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  expect((await api('PATCH', '/api/settings/preferences', { timezone: null })).status).toBe(200);
  const model = await api('POST', '/api/models', {
    name: `Calendario ${run}`,
    distribution: { timezone: zone, slots, maxPostsPerDay: 3, minSpacingMinutes: 60, approvalRequired: false, allowedPlatforms: [] },
  });
  expect(model.status, JSON.stringify(model.body)).toBe(201);
  modelId = model.body.id;
  const account = await api('POST', '/api/accounts', { modelId, platformId: stack.seeded.platformId, username: `cal_${run}` });
  expect(account.status, JSON.stringify(account.body)).toBe(201);
  accountId = account.body.id;

  const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'calendar.mp4')));
  const upload = await uploadVideo(stack, { modelId, context: 'Calendario', file: { data: video, name: 'clip.mp4' } });
  expect(upload.status).toBe(202);
  publication = await waitFor(async () => {
    const { body } = await api('GET', `/api/publications?contentId=${upload.body.id as string}`);
    const found = body.items[0];
    return found?.status === 'scheduled' && found.scheduledTime ? found : undefined;
  }, { what: 'the clip to be scheduled at a slot', timeoutMs: 90_000 });
});
afterAll(async () => {
  await api('PATCH', '/api/settings/preferences', { timezone: null }).catch(() => undefined);
  await stack?.close();
});

describe('GET /api/calendar', () => {
  it('answers the scheduled publication and the free slots of her rules, the taken one left out', async () => {
    const from = new Date(Date.now() - HOUR);
    const to = new Date(from.getTime() + 4 * DAY);
    const answer = await calendar({ from: from.toISOString(), to: to.toISOString(), modelId });
    expect(answer).toMatchObject({ from: from.toISOString(), to: to.toISOString(), timezone: 'UTC', timezoneSource: 'default', truncated: false, limit: 10_000 });

    expect(answer.items).toHaveLength(1);
    const item = answer.items[0]!;
    expect(item).toMatchObject({
      publicationId: publication.id, contentId: publication.contentId, status: 'scheduled', time: publication.scheduledTime,
      scheduledTime: publication.scheduledTime, publishedAt: null, reschedulable: true, modelId, modelName: `Calendario ${run}`,
      modelTimezone: zone, platform: 'demo', accountId, username: `cal_${run}`, postUrl: null,
    });
    expect(item.captionExcerpt).toEqual(expect.any(String));
    expect(item.captionExcerpt).not.toMatch(/ref:/);

    // Every slot time of her rules in the range that is still ahead, but the one the clip took.
    const expected: string[] = [];
    for (let day = Date.parse(`${new Date(from.getTime() - DAY).toISOString().slice(0, 10)}T00:00:00Z`); day < to.getTime() + DAY; day += DAY) {
      for (const slot of slots) {
        const at = zonedTimeToUtc(new Date(day).toISOString().slice(0, 10), slot, zone)!;
        if (at.getTime() > Date.now() && at >= from && at < to && at.toISOString() !== publication.scheduledTime) expected.push(at.toISOString());
      }
    }
    expected.sort();
    expect(answer.freeSlots.map((s) => s.time)).toEqual(expected);
    expect(answer.freeSlots.every((s) => s.accountId === accountId && s.modelTimezone === zone && s.platform === 'demo' && s.username === `cal_${run}`)).toBe(true);
    expect(answer.freeSlots.length).toBeGreaterThanOrEqual(8);
  });

  it('places a published row at its publish time, shows every status, and filters by model, platform and account', async () => {
    const db = stack.app.db.db;
    const other = await createPlatform(db, stack.seeded.platformId, `cal-${run}`, true);
    const second = await createAccount(db, { modelId, platformId: other.id, username: `cal2_${run}` });
    const base = Date.now() + 2 * DAY;
    // Scheduled long ago, published inside the range: the calendar shows it when it went out.
    const published = await createPublication(db, second, {
      status: 'published', scheduledTime: new Date(base - 10 * DAY), publishedAt: new Date(base - 3 * DAY), postUrl: 'https://demo.example/p/1',
    });
    const canceled = await createPublication(db, second, { status: 'canceled', scheduledTime: new Date(base + HOUR) });
    const processing = await createPublication(db, second, { status: 'processing', scheduledTime: new Date(base + 2 * HOUR) });
    const range = { from: new Date(base - 5 * DAY).toISOString(), to: new Date(base + DAY).toISOString() };

    const all = await calendar({ ...range, modelId });
    const byId = new Map(all.items.map((i) => [i.publicationId, i]));
    expect(byId.get(published.id)).toMatchObject({ status: 'published', time: new Date(base - 3 * DAY).toISOString(), reschedulable: false, postUrl: 'https://demo.example/p/1' });
    expect(byId.get(canceled.id)).toMatchObject({ status: 'canceled', reschedulable: false });
    expect(byId.get(processing.id)).toMatchObject({ status: 'processing', reschedulable: false });
    expect(byId.has(publication.id)).toBe(true);
    const times = all.items.map((i) => i.time);
    expect(times).toEqual([...times].sort());
    // The new account takes contents too, so its free slots show.
    expect(new Set(all.freeSlots.map((s) => s.accountId))).toEqual(new Set([accountId, second.id]));
    // Its processing row holds its slot: no free slot of that account within the spacing (60 min) of it.
    const processingAt = base + 2 * HOUR;
    expect(all.freeSlots.filter((s) => s.accountId === second.id && Math.abs(Date.parse(s.time) - processingAt) < HOUR)).toEqual([]);

    const byPlatform = await calendar({ ...range, platform: `cal-${run}` });
    expect(byPlatform.items.map((i) => i.publicationId).sort()).toEqual([published.id, canceled.id, processing.id].sort());
    expect(byPlatform.freeSlots.every((s) => s.accountId === second.id)).toBe(true);
    expect(byPlatform.freeSlots.length).toBeGreaterThan(0);

    const byAccount = await calendar({ ...range, accountId });
    expect(byAccount.items.map((i) => i.publicationId)).toEqual([publication.id]);
    expect(byAccount.freeSlots.every((s) => s.accountId === accountId)).toBe(true);

    const combined = await calendar({ ...range, modelId, platform: 'demo' });
    expect(combined.items.map((i) => i.publicationId)).toEqual([publication.id]);

    // Unknown ids and names are no error: nothing matches.
    for (const params of [{ modelId: randomUUID() }, { accountId: randomUUID() }, { platform: `nowhere-${run}` }] as Record<string, string>[]) {
      expect(await calendar({ ...range, ...params })).toMatchObject({ items: [], freeSlots: [] });
    }
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const from = new Date().toISOString();
    const cases: [Record<string, string>, string][] = [
      [{ to: from }, 'from'],
      [{ from }, 'to'],
      [{ from: 'mañana', to: from }, 'from'],
      [{ from, to: 'luego' }, 'to'],
      [{ from, to: from }, 'to'],
      [{ from, to: new Date(Date.now() - HOUR).toISOString() }, 'to'],
      [{ from, to: new Date(Date.now() + 63 * DAY).toISOString() }, 'to'],
      [{ from, to: new Date(Date.now() + DAY).toISOString(), modelId: 'not-a-uuid' }, 'modelId'],
      [{ from, to: new Date(Date.now() + DAY).toISOString(), accountId: '42' }, 'accountId'],
      [{ from, to: new Date(Date.now() + DAY).toISOString(), tz: 'Mars/Olympus' }, 'tz'],
    ];
    for (const [params, field] of cases) {
      const answer = await api('GET', `/api/calendar?${new URLSearchParams(params)}`);
      expect(answer.status, `${JSON.stringify(params)} → ${JSON.stringify(answer.body)}`).toBe(400);
      expect(Object.keys(answer.body.fields ?? {}), JSON.stringify(answer.body)).toContain(field);
    }
    // 62 days is the longest range.
    expect((await api('GET', `/api/calendar?${new URLSearchParams({ from, to: new Date(Date.parse(from) + 62 * DAY).toISOString() })}`)).status).toBe(200);
    const anonymous = await fetch(`${stack.url}/api/calendar?${new URLSearchParams({ from, to: new Date(Date.now() + DAY).toISOString() })}`);
    expect(anonymous.status).toBe(401);
  });
});

describe('the admin’s time zone', () => {
  it('is a preference (validated, normalised) that wins over the browser’s zone; null follows the browser again', async () => {
    const range = { from: new Date().toISOString(), to: new Date(Date.now() + DAY).toISOString(), modelId };
    expect(await api('GET', '/api/settings/preferences')).toMatchObject({ status: 200, body: { timezone: null } });
    expect(await calendar({ ...range, tz: 'Europe/Madrid' })).toMatchObject({ timezone: 'Europe/Madrid', timezoneSource: 'browser' });

    const wrong = await api('PATCH', '/api/settings/preferences', { timezone: 'Mars/Olympus' });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_time_zone', fields: { timezone: expect.any(String) } } });
    expect((await api('GET', '/api/settings/preferences')).body).toEqual({ timezone: null });

    expect(await api('PATCH', '/api/settings/preferences', { timezone: 'asia/tokyo' })).toMatchObject({ status: 200, body: { timezone: 'Asia/Tokyo' } });
    expect((await api('GET', '/api/settings/preferences')).body).toEqual({ timezone: 'Asia/Tokyo' });
    expect(await calendar({ ...range, tz: 'Europe/Madrid' })).toMatchObject({ timezone: 'Asia/Tokyo', timezoneSource: 'preference' });

    expect(await api('PATCH', '/api/settings/preferences', { timezone: null })).toMatchObject({ status: 200, body: { timezone: null } });
    expect(await calendar(range)).toMatchObject({ timezone: 'UTC', timezoneSource: 'default' });
    expect((await fetch(`${stack.url}/api/settings/preferences`)).status).toBe(401);
  });
});
