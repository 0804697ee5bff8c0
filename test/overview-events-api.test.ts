/**
 * The overview, the audit log and alert acknowledgement through the real API (PostgreSQL, Temporal, workers):
 * GET /api/overview (counts from SQL in the admin's zone, approvals waiting, open alerts, next 24 h, latest
 * published, accounts that cannot publish and why, health), POST /api/alerts/:id/ack (recorded with the actor, 404,
 * 409) and GET /api/events (every filter, keyset pages, bad input naming the field). Rows are seeded directly; the
 * database is shared with the other test files of a run, so counts are compared as differences and lists are
 * searched for this file's own rows.
 */
import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../contracts/api/overview.js';
import type { EventItem, EventList } from '../contracts/api/events.js';
import { recordEvent } from '../db/events.js';
import { alertAcknowledgements, systemEvents } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import {
  createAccount, createAlert, createContent, createModel, createPlatform, createPublication,
} from './helpers/overview-seed.js';

let stack: TestStack;
const run = randomUUID().slice(0, 6);

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
});
afterAll(async () => {
  await stack?.close();
});

const db = () => stack.app.db.db;

async function api(path: string, init: RequestInit & { token?: string | null } = {}) {
  const { token = stack.apiToken, ...rest } = init;
  const response = await fetch(`${stack.url}${path}`, {
    ...rest,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(rest.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function overview(tz?: string): Promise<Overview> {
  const { status, body } = await api(`/api/overview${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as Overview;
}

/** Local midnight of the day containing `now` in a zone with a fixed offset (hours east of UTC). */
function fixedOffsetDayStart(now: Date, offsetHours: number): Date {
  const local = new Date(now.getTime() + offsetHours * 3_600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - offsetHours * 3_600_000);
}

/** An instant that is certainly within today (UTC) and as recent as possible. */
function todayInstant(now = new Date()): Date {
  const start = fixedOffsetDayStart(now, 0).getTime();
  return new Date(Math.max(start + 1, now.getTime() - 1000));
}

describe('GET /api/overview', () => {
  it('needs a token or session', async () => {
    expect((await api('/api/overview', { token: null })).status).toBe(401);
  });

  it('counts "published today" in the admin’s zone and refuses an unknown zone naming tz', async () => {
    const now = new Date();
    // Asia/Tokyo has no DST: today starts at 00:00 +09:00.
    const tokyoStart = fixedOffsetDayStart(now, 9);
    const before = await overview('Asia/Tokyo');
    expect(before.timeZone).toBe('Asia/Tokyo');
    expect(before.today.from).toBe(tokyoStart.toISOString());
    expect(before.today.to).toBe(new Date(tokyoStart.getTime() + 86_400_000).toISOString());
    const utc = await overview();
    expect(utc.timeZone).toBe('UTC');
    expect(utc.today.from).toBe(fixedOffsetDayStart(now, 0).toISOString());

    const model = await createModel(db(), `Zona ${run}`);
    const account = await createAccount(db(), { modelId: model.id, platformId: stack.seeded.platformId, username: `zona_${run}` });
    const inside = new Date((tokyoStart.getTime() + Date.now()) / 2);
    await createPublication(db(), account, { status: 'published', publishedAt: inside, postUrl: 'https://example.test/inside' });
    await createPublication(db(), account, { status: 'published', publishedAt: new Date(tokyoStart.getTime() - 60_000), postUrl: 'https://example.test/before' });
    const after = await overview('Asia/Tokyo');
    expect(after.counts.publishedToday - before.counts.publishedToday).toBe(1);

    const unknown = await api('/api/overview?tz=Mars%2FOlympus_Mons');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_time_zone', fields: { tz: expect.any(String) } });
    const tooLong = await api(`/api/overview?tz=${'A'.repeat(65)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ error: 'invalid_request', fields: { tz: expect.any(String) } });
  });

  it('answers counts, approvals, open alerts, the next 24 h, latest published, blocked accounts and health', async () => {
    const before = await overview();
    const platformId = stack.seeded.platformId;
    const model = await createModel(db(), `Resumen ${run}`);
    const paused = await createModel(db(), `Pausada ${run}`, 'paused');
    const off = await createPlatform(db(), platformId, `apagada_${run}`, false);
    const ok = await createAccount(db(), { modelId: model.id, platformId, username: `ok_${run}`, lastSessionState: 'logged_in' });
    const blocked = {
      account_paused: await createAccount(db(), { modelId: model.id, platformId, username: `pausada_${run}`, status: 'paused' }),
      account_disabled: await createAccount(db(), { modelId: model.id, platformId, username: `desactivada_${run}`, status: 'disabled' }),
      session_expired: await createAccount(db(), { modelId: model.id, platformId, username: `caducada_${run}`, status: 'session_expired' }),
      no_session: await createAccount(db(), { modelId: model.id, platformId, username: `sinsesion_${run}`, sessionSaved: false }),
      session_challenge: await createAccount(db(), { modelId: model.id, platformId, username: `captcha_${run}`, lastSessionState: 'challenge' }),
      session_logged_out: await createAccount(db(), { modelId: model.id, platformId, username: `cerrada_${run}`, lastSessionState: 'logged_out' }),
      session_unknown: await createAccount(db(), { modelId: model.id, platformId, username: `dudosa_${run}`, lastSessionState: 'unknown' }),
      model_paused: await createAccount(db(), { modelId: paused.id, platformId, username: `demodelo_${run}`, status: 'paused' }),
      platform_disabled: await createAccount(db(), { modelId: model.id, platformId: off.id, username: `deapagada_${run}`, status: 'paused' }),
    };

    const now = Date.now();
    const inMinutes = (m: number) => new Date(now + m * 60_000);
    const soon = [
      await createPublication(db(), ok, { status: 'scheduled', scheduledTime: inMinutes(2) }),
      await createPublication(db(), ok, { status: 'held', scheduledTime: inMinutes(3) }),
      await createPublication(db(), ok, { status: 'scheduled', scheduledTime: inMinutes(23 * 60) }),
    ];
    const later = await createPublication(db(), ok, { status: 'scheduled', scheduledTime: inMinutes(25 * 60) });
    await createPublication(db(), ok, { status: 'processing', scheduledTime: inMinutes(-1) });
    const failed = await createPublication(db(), ok, { status: 'failed', scheduledTime: inMinutes(-10), lastError: 'boom' });
    await createPublication(db(), ok, { status: 'failed', scheduledTime: inMinutes(-11) });
    await createPublication(db(), ok, { status: 'unconfirmed', scheduledTime: inMinutes(-12) });
    await createPublication(db(), ok, { status: 'canceled', scheduledTime: inMinutes(-13) });
    const publishedNow = await createPublication(db(), ok, {
      status: 'published', scheduledTime: inMinutes(-5), publishedAt: todayInstant(), postUrl: `https://example.test/${run}/now`,
    });
    await createPublication(db(), ok, {
      status: 'published', scheduledTime: inMinutes(-5000), publishedAt: new Date(now - 3 * 86_400_000), postUrl: `https://example.test/${run}/old`,
    });

    // Waiting: new + approval requested (the oldest there is); a new content without the request does not count.
    const longContext = `Hola ${run} `.repeat(40);
    const waiting = await createContent(db(), model.id, { status: 'new', context: longContext, receivedAt: new Date('2001-01-01T00:00:00Z') });
    await recordEvent(db(), 'approval_requested', {}, { contentId: waiting.id, modelId: model.id });
    await createContent(db(), model.id, { status: 'new', receivedAt: new Date('2001-01-01T00:00:00Z') });

    const openId = await createAlert(db(), failed, model.id, `selector gone ${run}`);
    const ackedId = await createAlert(db(), failed, model.id, `already seen ${run}`);
    await db().insert(alertAcknowledgements).values({ eventId: ackedId, actor: 'admin' });

    const o = await overview();
    expect(o.counts.scheduled - before.counts.scheduled).toBe(3);
    expect(o.counts.held - before.counts.held).toBe(1);
    expect(o.counts.processing - before.counts.processing).toBe(1);
    expect(o.counts.failed - before.counts.failed).toBe(2);
    expect(o.counts.unconfirmed - before.counts.unconfirmed).toBe(1);
    expect(o.counts.publishedToday - before.counts.publishedToday).toBe(1);

    expect(o.approvals.total - before.approvals.total).toBe(1);
    const pending = o.approvals.oldest[0]!;
    expect(pending).toMatchObject({ id: waiting.id, modelId: model.id, modelName: model.name, receivedAt: '2001-01-01T00:00:00.000Z' });
    expect(pending.contextExcerpt!.endsWith('…')).toBe(true);
    expect(pending.contextExcerpt!.length).toBeLessThanOrEqual(121);
    expect(longContext.startsWith(pending.contextExcerpt!.slice(0, -1))).toBe(true);

    expect(o.alerts.total - before.alerts.total).toBe(1);
    const alert = o.alerts.items.find((a) => a.id === openId);
    expect(alert).toMatchObject({
      kind: 'publication_failed', modelId: model.id, modelName: model.name, accountId: ok.id, username: ok.username, platform: 'demo',
      publicationId: failed.id, contentId: failed.contentId, data: { kind: 'publication_failed', message: `selector gone ${run}` },
    });
    expect(alert!.description).toContain(`selector gone ${run}`);
    expect(o.alerts.items.some((a) => a.id === ackedId)).toBe(false);
    const alertIds = o.alerts.items.map((a) => a.id);
    expect(alertIds).toEqual([...alertIds].sort((a, b) => b - a));

    const upcoming = o.upcoming.items.filter((p) => p.accountId === ok.id);
    expect(upcoming.map((p) => p.id)).toEqual(soon.map((p) => p.id));
    expect(upcoming[1]).toMatchObject({ status: 'held', modelName: model.name, platform: 'demo', username: ok.username });
    expect(o.upcoming.items.some((p) => p.id === later.id)).toBe(false);
    expect(o.upcoming.total - before.upcoming.total).toBe(3);

    expect(o.latestPublished[0]).toMatchObject({ id: publishedNow.id, postUrl: `https://example.test/${run}/now`, modelName: model.name });
    expect(o.latestPublished.length).toBeLessThanOrEqual(10);

    const reasons = Object.fromEntries(o.blockedAccounts.items.filter((a) => a.username.endsWith(run)).map((a) => [a.username, a.reason]));
    expect(reasons).toEqual(Object.fromEntries(Object.entries(blocked).map(([reason, account]) => [account.username, reason])));
    expect(o.blockedAccounts.total - before.blockedAccounts.total).toBe(Object.keys(blocked).length);

    expect(o.health.status).toBe('ok');
    expect(Object.keys(o.health.workers).sort()).toEqual(['api', 'browser', 'media', 'pipeline']);
  });
});

describe('POST /api/alerts/:id/ack', () => {
  it('acknowledges once with the actor, records alert_acknowledged with the alert’s links, then answers 409', async () => {
    const model = await createModel(db(), `Alertas ${run}`);
    const account = await createAccount(db(), { modelId: model.id, platformId: stack.seeded.platformId, username: `alertas_${run}` });
    const publication = await createPublication(db(), account, { status: 'failed' });
    const alertId = await createAlert(db(), publication, model.id, `to acknowledge ${run}`);

    expect((await api(`/api/alerts/${alertId}/ack`, { method: 'POST', token: null })).status).toBe(401);
    expect((await overview()).alerts.items.some((a) => a.id === alertId)).toBe(true);

    const first = await api(`/api/alerts/${alertId}/ack`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ eventId: alertId, actor: 'api' });
    expect(Date.parse(first.body.acknowledgedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expect((await overview()).alerts.items.some((a) => a.id === alertId)).toBe(false);

    const [stored] = await db().select().from(alertAcknowledgements).where(eq(alertAcknowledgements.eventId, alertId));
    expect(stored).toMatchObject({ actor: 'api' });
    const events = await db().select().from(systemEvents).where(eq(systemEvents.type, 'alert_acknowledged'));
    const recorded = events.filter((e) => (e.data as { alertEventId?: number }).alertEventId === alertId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      actor: 'api', data: { alertEventId: alertId, kind: 'publication_failed' },
      modelId: model.id, accountId: account.id, publicationId: publication.id, contentId: publication.contentId,
    });

    const again = await api(`/api/alerts/${alertId}/ack`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'already_acknowledged', acknowledgedBy: 'api', acknowledgedAt: first.body.acknowledgedAt });
    const after = await db().select().from(systemEvents).where(eq(systemEvents.type, 'alert_acknowledged'));
    expect(after.filter((e) => (e.data as { alertEventId?: number }).alertEventId === alertId)).toHaveLength(1);
  });

  it('answers 404 for no event or an event that is not an alert, and 400 for an id that is not a number', async () => {
    const missing = await api(`/api/alerts/999999999/ack`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });

    await recordEvent(db(), 'approval_requested', {}, {});
    const [notAlert] = await db().select({ id: systemEvents.id }).from(systemEvents)
      .where(eq(systemEvents.type, 'approval_requested')).orderBy(desc(systemEvents.id)).limit(1);
    const wrongKind = await api(`/api/alerts/${notAlert!.id}/ack`, { method: 'POST' });
    expect(wrongKind.status).toBe(404);
    const [none] = await db().select().from(alertAcknowledgements).where(eq(alertAcknowledgements.eventId, notAlert!.id));
    expect(none).toBeUndefined();

    const bad = await api('/api/alerts/abc/ack', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', fields: { id: expect.any(String) } });
    expect((await api('/api/alerts/0/ack', { method: 'POST' })).status).toBe(400);
  });
});

describe('GET /api/events', () => {
  let model: Awaited<ReturnType<typeof createModel>>;
  let other: Awaited<ReturnType<typeof createModel>>;
  let account: Awaited<ReturnType<typeof createAccount>>;
  let publication: Awaited<ReturnType<typeof createPublication>>;
  /** This file's events about `model`, newest first. */
  let mine: EventItem[];

  beforeAll(async () => {
    model = await createModel(db(), `Auditoria ${run}`);
    other = await createModel(db(), `Otra ${run}`);
    account = await createAccount(db(), { modelId: model.id, platformId: stack.seeded.platformId, username: `audit_${run}` });
    publication = await createPublication(db(), account, { status: 'scheduled' });
    const links = { modelId: model.id, accountId: account.id, publicationId: publication.id, contentId: publication.contentId };
    await recordEvent(db(), 'content_received', { fileName: 'a.mp4' }, { modelId: model.id, contentId: publication.contentId });
    await recordEvent(db(), 'publication_scheduled', { scheduledTime: '2030-01-01T10:00:00.000Z' }, links);
    await recordEvent(db(), 'model_paused', { held: [], reason: 'vacaciones' }, { modelId: model.id, actor: `tester_${run}` });
    await recordEvent(db(), 'model_resumed', { released: [] }, { modelId: model.id, actor: `tester_${run}` });
    await recordEvent(db(), 'account_paused', { username: account.username, held: [] }, { modelId: model.id, accountId: account.id, actor: 'admin' });
    await recordEvent(db(), 'publication_held', { cause: 'model', modelName: model.name }, links);
    await recordEvent(db(), 'model_created', { name: other.name }, { modelId: other.id, actor: `tester_${run}` });
    // Spread the events of `model` over the last hours, oldest first, so time filters have something to cut.
    const rows = await db().select({ id: systemEvents.id }).from(systemEvents).where(eq(systemEvents.modelId, model.id)).orderBy(systemEvents.id);
    for (const [i, row] of rows.entries()) {
      await db().update(systemEvents).set({ ts: new Date(Date.now() - (rows.length - i) * 3_600_000) }).where(eq(systemEvents.id, row.id));
    }
    const listed = await api(`/api/events?modelId=${model.id}`);
    expect(listed.status).toBe(200);
    mine = (listed.body as unknown as EventList).items;
  });

  async function list(query: string): Promise<EventList> {
    const { status, body } = await api(`/api/events?${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as unknown as EventList;
  }

  it('lists newest first with the kind, actor, description, payload and names of what each is about', async () => {
    expect(mine.map((e) => e.kind)).toEqual([
      'publication_held', 'account_paused', 'model_resumed', 'model_paused', 'publication_scheduled', 'content_received',
    ]);
    expect(mine.map((e) => e.id)).toEqual([...mine.map((e) => e.id)].sort((a, b) => b - a));
    expect(mine[0]).toMatchObject({
      actor: 'system', modelId: model.id, modelName: model.name, accountId: account.id, username: account.username, platform: 'demo',
      publicationId: publication.id, contentId: publication.contentId, data: { cause: 'model', modelName: model.name },
    });
    expect(mine[0]!.description.length).toBeGreaterThan(0);
    expect(mine.find((e) => e.kind === 'model_paused')).toMatchObject({ actor: `tester_${run}`, accountId: null, username: null, data: { reason: 'vacaciones' } });
    expect((await api('/api/events', { token: null })).status).toBe(401);
  });

  it('filters by kind, model, account, publication, content, actor and time', async () => {
    expect((await list(`kind=model_paused&modelId=${model.id}`)).items.map((e) => e.kind)).toEqual(['model_paused']);
    expect((await list(`accountId=${account.id}`)).items.map((e) => e.kind)).toEqual(['publication_held', 'account_paused', 'publication_scheduled']);
    expect((await list(`publicationId=${publication.id}`)).items.map((e) => e.kind)).toEqual(['publication_held', 'publication_scheduled']);
    expect((await list(`contentId=${publication.contentId}`)).items.map((e) => e.kind)).toEqual(['publication_held', 'publication_scheduled', 'content_received']);
    const byActor = await list(`actor=tester_${run}`);
    expect(byActor.items.map((e) => [e.kind, e.modelId])).toEqual([['model_created', other.id], ['model_resumed', model.id], ['model_paused', model.id]]);
    // [from, to): the 2nd to the 4th oldest of `model` (their ts are whole hours apart).
    const ordered = [...mine].reverse();
    const from = ordered[1]!.ts;
    const to = ordered[4]!.ts;
    const window = await list(`modelId=${model.id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(window.items.map((e) => e.id)).toEqual(ordered.slice(1, 4).map((e) => e.id).reverse());
    expect((await list(`modelId=${randomUUID()}`)).items).toEqual([]);
  });

  it('pages by keyset: every event once, newest first, then nextCursor null', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: EventList = await list(`modelId=${model.id}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(mine.map((e) => e.id));
    // A page that ends exactly at the last row says so.
    const exact = await list(`modelId=${model.id}&limit=${mine.length}`);
    expect(exact.nextCursor).toBeNull();
  });

  it('refuses bad filters with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['kind=not_a_kind', 'kind'],
      ['modelId=not-a-uuid', 'modelId'],
      ['accountId=123', 'accountId'],
      ['publicationId=x', 'publicationId'],
      ['contentId=x', 'contentId'],
      ['from=yesterday', 'from'],
      ['to=2024-13-45T99:00:00Z', 'to'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z', 'to'],
      [`actor=${'a'.repeat(201)}`, 'actor'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await api(`/api/events?${query}`);
      expect(status, query).toBe(400);
      expect(Object.keys((body.fields ?? {}) as object), query).toContain(field);
      expect(String(body.message), query).toContain(field);
    }
  });
});
