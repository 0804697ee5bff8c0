/**
 * The platforms and accounts API on the whole stack (PostgreSQL, Temporal, workers, Chromium, demo platform):
 * every route with bad input (the field named, nothing written), 404 / 409, keyset paging and search; and,
 * with real workflows, that disabling a platform holds its scheduled publications (and one that comes due),
 * that a new content skips a disabled platform, that enabling releases them and they publish, and that
 * deactivating / reactivating / deleting an account holds, releases or keeps its publications.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicationWorkflowState } from '../contracts/workflows.js';
import { publicationStateQuery } from '../contracts/workflows.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { eventsOf } from '../db/events.js';
import { models, platformAccounts, platforms, publications, systemEvents } from '../db/schema.js';
import { publicationOf, setModelRules, slotFarAway, uploadClip, type PublicationJson } from './helpers/lifecycle.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const db = () => stack.app.db.db;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
});
afterAll(async () => stack?.close());

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const unknownId = '5f0c8a9e-3b1d-4c2a-9e7f-1a2b3c4d5e6f';
const demoPlatform = async () => (await call('GET', '/api/platforms')).body.items.find((p: Json) => p.name === 'demo') as Json;
const accountRows = async () => db().select().from(platformAccounts).orderBy(platformAccounts.id);
const platformRow = async (id: string) => (await db().select().from(platforms).where(eq(platforms.id, id)))[0]!;

async function eventsOfType(type: 'platform_updated' | 'account_deleted' | 'account_created' | 'account_updated') {
  return db().select().from(systemEvents).where(eq(systemEvents.type, type)).orderBy(systemEvents.id);
}

/** A model of our own (the models API is another part of the console): a name, default rules. */
async function insertModel(name: string): Promise<string> {
  const [row] = await db().insert(models).values({ name, distribution: { ...defaultDistributionRules } }).returning({ id: models.id });
  return row!.id;
}

/** A second platform on the same demo driver, so a content has somewhere else to go while `demo` is disabled. */
async function insertPlatform(name: string): Promise<string> {
  const [row] = await db().insert(platforms)
    .values({ name, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: stack.demo.url } })
    .returning({ id: platforms.id });
  return row!.id;
}

async function publicationsOf(contentId: string) {
  return (await getJson<{ items: (PublicationJson & { platformName: string })[] }>(stack, `/api/publications?contentId=${contentId}`)).items;
}

async function publicationStatus(id: string) {
  return (await db().select({ status: publications.status }).from(publications).where(eq(publications.id, id)))[0]!.status;
}

async function workflowPhase(workflowId: string): Promise<PublicationWorkflowState['phase']> {
  const state = await stack.app.temporal.workflow.getHandle(workflowId).query(publicationStateQuery);
  return state.phase;
}

/** A fresh clip of the demo model, scheduled twelve hours ahead (its workflow waits on its timer). */
async function scheduledFarAway(context: string): Promise<PublicationJson & { platformName: string }> {
  await setModelRules(stack, slotFarAway());
  const created = await uploadClip(stack, context);
  expect(created.status).toBe(202);
  const publication = await publicationOf(stack, created.body.id as string, ['scheduled']);
  return { ...publication, platformName: (await publicationsOf(created.body.id as string))[0]!.platformName };
}

describe('GET /api/platforms', () => {
  it('lists each platform with its driver, base URL, options, every capability and its account count', async () => {
    const { status, body } = await call('GET', '/api/platforms');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    const demo = body.items.find((p: Json) => p.name === 'demo');
    expect(demo).toMatchObject({
      id: stack.seeded.platformId, active: true, driver: 'demo', baseUrl: stack.demo.url, options: {}, accountCount: 1,
    });
    expect(Object.keys(demo.capabilities).sort()).toEqual(Object.keys(capabilitiesFor('demo')).sort());
    expect(demo.capabilities).toEqual(capabilitiesFor('demo'));
  });

  it('pages by keyset in name order, and refuses a cursor it never gave out', async () => {
    await insertPlatform('zz-paging-a');
    await insertPlatform('zz-paging-b');
    const all = (await call('GET', '/api/platforms')).body.items.map((p: Json) => p.name);
    expect(all).toEqual([...all].sort());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/api/platforms?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(1);
      seen.push(page.body.items[0].name);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);

    const bad = await call('GET', '/api/platforms?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_cursor', fields: { cursor: expect.any(String) } });
    expect((await call('GET', '/api/platforms?limit=0')).body.fields).toHaveProperty('limit');
  });
});

describe('PATCH /api/platforms/:id', () => {
  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = await platformRow(stack.seeded.platformId);
    const eventsBefore = (await eventsOfType('platform_updated')).length;
    const path = `/api/platforms/${stack.seeded.platformId}`;
    const cases: [unknown, string][] = [
      [{ capabilities: { maxHashtags: -1 } }, 'capabilities.maxHashtags'],
      [{ capabilities: { maxDurationSeconds: 0 } }, 'capabilities.maxDurationSeconds'],
      [{ capabilities: { maxDurationSeconds: 12.5 } }, 'capabilities.maxDurationSeconds'],
      [{ capabilities: { maxLeadDays: 400 } }, 'capabilities.maxLeadDays'],
      [{ capabilities: { aspect: '16x9' } }, 'capabilities.aspect'],
      [{ capabilities: { aspect: '0:16' } }, 'capabilities.aspect'],
      [{ capabilities: { linksAllowed: 'maybe' } }, 'capabilities.linksAllowed'],
      // Together fine field by field, but the minimum lead reaches past the horizon.
      [{ capabilities: { minLeadMinutes: 2 * 1440, maxLeadDays: 1 } }, 'capabilities.minLeadMinutes'],
      [{ technicalConfig: { driver: 'myspace' } }, 'technicalConfig.driver'],
      [{ technicalConfig: { baseUrl: 'ftp://files.example' } }, 'technicalConfig.baseUrl'],
      [{ technicalConfig: { baseUrl: 'not a url' } }, 'technicalConfig.baseUrl'],
      [{ technicalConfig: { options: ['a'] } }, 'technicalConfig.options'],
      [{ active: 'yes' }, 'active'],
      // A valid change together with a bad one: neither is written.
      [{ active: false, capabilities: { maxHashtags: 5, aspect: 'wide' } }, 'capabilities.aspect'],
    ];
    for (const [body, field] of cases) {
      const response = await call('PATCH', path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.fields, JSON.stringify(body)).toHaveProperty([field]);
      expect(response.body.message).toEqual(expect.any(String));
    }
    const driverRefusal = await call('PATCH', path, { technicalConfig: { driver: 'myspace' } });
    expect(driverRefusal.body.fields['technicalConfig.driver']).toContain('demo'); // names the drivers the workers know

    expect((await call('PATCH', `/api/platforms/${unknownId}`, { active: true })).status).toBe(404);
    expect((await call('PATCH', '/api/platforms/not-a-uuid', { active: true })).body.fields).toHaveProperty('id');

    expect(await platformRow(stack.seeded.platformId)).toEqual(before);
    expect(await eventsOfType('platform_updated')).toHaveLength(eventsBefore);
  });

  it('replaces only the capabilities and technical fields given, and records what changed', async () => {
    const path = `/api/platforms/${stack.seeded.platformId}`;
    const changed = await call('PATCH', path, { capabilities: { maxHashtags: 7, aspect: '4:5' }, technicalConfig: { options: { layout: 'studio' } } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      id: stack.seeded.platformId, active: true, driver: 'demo', baseUrl: stack.demo.url, options: { layout: 'studio' },
      capabilities: { ...capabilitiesFor('demo'), maxHashtags: 7, aspect: '4:5' }, held: [], released: [],
    });
    expect((await demoPlatform()).capabilities).toEqual({ ...capabilitiesFor('demo'), maxHashtags: 7, aspect: '4:5' });
    const event = (await eventsOfType('platform_updated')).at(-1)!;
    expect(event.data).toMatchObject({ platform: 'demo', active: true });
    expect((event.data as { changed: string[] }).changed.sort()).toEqual(['capabilities.aspect', 'capabilities.maxHashtags', 'technicalConfig.options']);
    expect(event.actor).not.toBe('system');

    // Back to the demo defaults for the workflows below.
    const restored = await call('PATCH', path, { capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: stack.demo.url, options: {} } });
    expect(restored.status).toBe(200);
    expect(restored.body.capabilities).toEqual(capabilitiesFor('demo'));
    expect(restored.body.options).toEqual({});
  });
});

describe('a disabled platform', () => {
  it('holds its scheduled publications at once, publishes none when they come due, and releases them when enabled', async () => {
    const publication = await scheduledFarAway('platform hold');
    const path = `/api/platforms/${stack.seeded.platformId}`;

    const disabled = await call('PATCH', path, { active: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ active: false, held: [publication.id], released: [] });
    expect(await publicationStatus(publication.id)).toBe('held');
    const held = (await eventsOf(db(), { publicationId: publication.id })).filter((e) => e.type === 'publication_held');
    expect(held.map((e) => e.data)).toEqual([{ cause: 'platform', platform: 'demo' }]);
    const updated = (await eventsOfType('platform_updated')).at(-1)!;
    expect(updated.data).toMatchObject({ platform: 'demo', changed: ['active'], active: false, held: [publication.id] });

    // Its time comes (publish now) while the platform is still disabled: beginPublication holds it, nothing is posted.
    expect((await call('POST', `/api/publications/${publication.id}/publish-now`)).status).toBe(202);
    await waitFor(async () => (await workflowPhase(publication.workflowId)) === 'stopped', { what: 'the workflow stopped (held)', timeoutMs: 60_000 });
    expect(await publicationStatus(publication.id)).toBe('held');
    expect((await eventsOf(db(), { publicationId: publication.id })).map((e) => e.type)).not.toContain('publication_started');

    const enabled = await call('PATCH', path, { active: true });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ active: true, held: [], released: [publication.id] });
    expect(await publicationStatus(publication.id)).toBe('scheduled');
    // The workflow got the release and waits for its (still future) time again.
    await waitFor(async () => (await eventsOf(db(), { publicationId: publication.id })).some((e) => e.type === 'publication_scheduled' && (e.data as Json)?.released), {
      what: 'the released publication back to its timer', timeoutMs: 60_000,
    });
    await waitFor(async () => (await workflowPhase(publication.workflowId)) === 'waiting', { what: 'the workflow waiting for its slot', timeoutMs: 30_000 });

    expect((await call('POST', `/api/publications/${publication.id}/publish-now`)).status).toBe(202);
    const published = await publicationOf(stack, publication.contentId, ['published']);
    expect(published.postUrl).toContain(stack.demo.url);
    await stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  });

  it('beginPublication holds a publication that comes due on an inactive platform (with the platform as the reason)', async () => {
    const publication = await scheduledFarAway('platform inactive at its time');
    // Inactive without going through the service (nothing held in advance): only the activity can hold it.
    await db().update(platforms).set({ active: false }).where(eq(platforms.id, stack.seeded.platformId));
    try {
      expect((await call('POST', `/api/publications/${publication.id}/publish-now`)).status).toBe(202);
      const held = await waitFor(async () => (await eventsOf(db(), { publicationId: publication.id })).find((e) => e.type === 'publication_held'), {
        what: 'publication_held', timeoutMs: 60_000,
      });
      expect(held.data).toEqual({ cause: 'platform', platform: 'demo' });
      expect(held.description).toContain('platform demo is disabled');
      expect(await publicationStatus(publication.id)).toBe('held');
    } finally {
      await db().update(platforms).set({ active: true }).where(eq(platforms.id, stack.seeded.platformId));
    }
    // The operator releases it by retrying; it publishes now that the platform is active.
    expect((await call('POST', `/api/publications/${publication.id}/retry`)).status).toBe(202);
    await publicationOf(stack, publication.contentId, ['published']);
    await stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  });

  it('gets no publication of a new content, while an active platform of the same model does', async () => {
    const otherPlatformId = await insertPlatform('demo-backup');
    const account = await call('POST', '/api/accounts', { modelId: stack.seeded.modelId, platformId: otherPlatformId, username: 'modelo_backup' });
    expect(account.status).toBe(201);
    const path = `/api/platforms/${stack.seeded.platformId}`;
    expect((await call('PATCH', path, { active: false })).status).toBe(200);
    try {
      await setModelRules(stack, slotFarAway());
      const created = await uploadClip(stack, 'while demo is disabled');
      expect(created.status).toBe(202);
      const contentId = created.body.id as string;
      await publicationOf(stack, contentId, ['scheduled']);
      const all = await publicationsOf(contentId);
      expect(all.map((p) => p.platformName)).toEqual(['demo-backup']);
      await call('POST', `/api/publications/${all[0]!.id}/cancel`, { reason: 'test done' });
    } finally {
      expect((await call('PATCH', path, { active: true })).status).toBe(200);
      await call('DELETE', `/api/accounts/${account.body.id}`);
    }
  });
});

describe('GET /api/accounts', () => {
  it('keeps the fields the page reads and adds links, publication count and session health', async () => {
    const { status, body } = await call('GET', '/api/accounts');
    expect(status).toBe(200);
    const demo = body.items.find((a: Json) => a.id === stack.seeded.accountId);
    expect(demo).toMatchObject({
      modelId: stack.seeded.modelId, modelName: 'Modelo Demo', platformId: stack.seeded.platformId, platformName: 'demo',
      username: 'modelo_demo', status: 'active', sessionSaved: true, profileUrl: `${stack.demo.url}/u/modelo_demo`,
      streamUrl: null, browserProfile: { proxy: null },
    });
    const [seeded] = await db().select({ code: platformAccounts.trackingCode }).from(platformAccounts).where(eq(platformAccounts.id, stack.seeded.accountId));
    expect(demo.trackingUrl).toBe(`${stack.app.config.http.publicUrl}/t/${seeded!.code}`);
    expect(demo.publicationCount).toBeGreaterThan(0);
    const [counted] = await db().select({ n: sql<number>`count(*)::int` }).from(publications).where(eq(publications.accountId, stack.seeded.accountId));
    expect(demo.publicationCount).toBe(counted!.n);
    expect(['ok', 'unchecked']).toContain(demo.sessionHealth.state);
    expect(demo).not.toHaveProperty('authData');
    expect(body.summary.total).toBe(body.items.length);
  });

  it('orders by model, platform and username, pages by keyset, searches and filters on the server', async () => {
    const aId = await insertModel('Aurora Paging');
    const zId = await insertModel('Zoe Paging');
    const made: Json[] = [];
    for (const [modelId, username] of [[zId, 'zeta_2'], [aId, 'alpha_2'], [zId, 'zeta_1'], [aId, 'alpha_1'], [aId, '50%_off'], [aId, 'under_score']] as const) {
      const created = await call('POST', '/api/accounts', { modelId, platformId: stack.seeded.platformId, username });
      expect(created.status).toBe(201);
      made.push(created.body);
    }
    // Other test files add accounts to the same database meanwhile (and the database orders by its own collation), so
    // order and paging are checked on this test's accounts, through a filter nobody else's match.
    const mine = (await call('GET', '/api/accounts?q=paging&limit=200')).body.items as Json[];
    expect(mine.map((a) => [a.modelName, a.username])).toEqual([
      ['Aurora Paging', '50%_off'], ['Aurora Paging', 'alpha_1'], ['Aurora Paging', 'alpha_2'], ['Aurora Paging', 'under_score'],
      ['Zoe Paging', 'zeta_1'], ['Zoe Paging', 'zeta_2'],
    ]);

    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call('GET', `/api/accounts?q=paging&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      expect(page.body.summary.total).toBe(mine.length);
      paged.push(...page.body.items.map((a: Json) => a.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBe(3);
    expect(paged).toEqual(mine.map((a) => a.id));

    const byModel = await call('GET', `/api/accounts?modelId=${zId}`);
    expect(byModel.body.items.map((a: Json) => a.username)).toEqual(['zeta_1', 'zeta_2']);
    expect(byModel.body.summary).toMatchObject({ total: 2, byHealth: { no_session: 2, ok: 0 } });
    const search = await call('GET', `/api/accounts?q=${encodeURIComponent('@ALPHA')}`);
    expect(search.body.items.map((a: Json) => a.username)).toEqual(['alpha_1', 'alpha_2']);
    expect((await call('GET', '/api/accounts?q=aurora')).body.items).toHaveLength(4);
    // Wildcards are literal.
    expect((await call('GET', `/api/accounts?q=${encodeURIComponent('%')}`)).body.items.map((a: Json) => a.username)).toEqual(['50%_off']);
    // `_` as a wildcard would match "Aurora Paging" ("a P"); as itself it matches nothing.
    expect((await call('GET', `/api/accounts?q=${encodeURIComponent('a_p')}`)).body.items).toEqual([]);
    expect((await call('GET', `/api/accounts?q=${encodeURIComponent('r_s')}`)).body.items.map((a: Json) => a.username)).toEqual(['under_score']);
    expect((await call('GET', `/api/accounts?health=no_session&modelId=${aId}`)).body.items).toHaveLength(4);
    // The demo model has a linked account and the backup one without a session: the summary still counts both.
    const noSession = await call('GET', `/api/accounts?health=no_session&modelId=${stack.seeded.modelId}`);
    expect(noSession.body.items.map((a: Json) => a.username)).toEqual(['modelo_backup']);
    expect(noSession.body.summary.total).toBe(2);
    expect(noSession.body.summary.byHealth.no_session).toBe(1);
    expect((await call('GET', `/api/accounts?platformId=${unknownId}`)).body).toMatchObject({ items: [], nextCursor: null, summary: { total: 0 } });

    await call('PATCH', `/api/accounts/${made[0]!.id}`, { status: 'disabled' });
    expect((await call('GET', `/api/accounts?status=disabled&modelId=${zId}`)).body.items.map((a: Json) => a.username)).toEqual(['zeta_2']);

    for (const [query, field] of [['status=gone', 'status'], ['modelId=nope', 'modelId'], ['limit=500', 'limit'], ['health=fine', 'health'], ['cursor=zzz', 'cursor']] as const) {
      const bad = await call('GET', `/api/accounts?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.fields, query).toHaveProperty([field]);
    }
  });
});

describe('POST /api/accounts', () => {
  it('creates an account (username trimmed, no leading @), records it, and refuses bad input naming the field', async () => {
    const before = await accountRows();
    const base = { modelId: stack.seeded.modelId, platformId: stack.seeded.platformId };
    const cases: [unknown, number, string][] = [
      [{ ...base }, 400, 'username'],
      [{ ...base, username: '  @  ' }, 400, 'username'],
      [{ ...base, username: 'two words' }, 400, 'username'],
      [{ ...base, username: 'ok_name', profileUrl: 'ftp://files.example/u' }, 400, 'profileUrl'],
      [{ ...base, username: 'ok_name', streamUrl: 'javascript:alert(1)' }, 400, 'streamUrl'],
      [{ platformId: base.platformId, username: 'ok_name' }, 400, 'modelId'],
      [{ ...base, modelId: 'nope', username: 'ok_name' }, 400, 'modelId'],
      [{ ...base, modelId: unknownId, username: 'ok_name' }, 404, 'modelId'],
      [{ ...base, platformId: unknownId, username: 'ok_name' }, 404, 'platformId'],
      [{ ...base, username: 'MODELO_DEMO' }, 409, 'username'],
      [{ ...base, username: '@modelo_demo' }, 409, 'username'],
    ];
    for (const [body, status, field] of cases) {
      const response = await call('POST', '/api/accounts', body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.fields, JSON.stringify(body)).toHaveProperty([field]);
    }
    expect((await call('POST', '/api/accounts', { ...base, username: 'modelo_demo' })).body.error).toBe('duplicate_account');
    expect(await accountRows()).toEqual(before);

    const created = await call('POST', '/api/accounts', {
      ...base, username: '  @Nueva_Cuenta ', profileUrl: 'https://demo.example/u/Nueva_Cuenta', streamUrl: null,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'Nueva_Cuenta', modelName: 'Modelo Demo', platformName: 'demo', status: 'active', sessionSaved: false,
      profileUrl: 'https://demo.example/u/Nueva_Cuenta', streamUrl: null, publicationCount: 0,
      sessionHealth: { state: 'no_session', checkedAt: null },
    });
    // Every account has its own tracking link from the start.
    expect(created.body.trackingUrl).toMatch(new RegExp(`^${stack.app.config.http.publicUrl}/t/[0-9a-f]{10}$`));
    const event = (await eventsOfType('account_created')).at(-1)!;
    expect(event).toMatchObject({ accountId: created.body.id, modelId: stack.seeded.modelId, data: { username: 'Nueva_Cuenta', platform: 'demo' } });
    expect((await call('POST', '/api/accounts', { ...base, username: 'nueva_cuenta' })).status).toBe(409);
    await call('DELETE', `/api/accounts/${created.body.id}`);
  });

  it('issues a new tracking link: the account shows it, the old code is kept (still redirecting), the change is audited', async () => {
    const base = { modelId: stack.seeded.modelId, platformId: stack.seeded.platformId };
    const created = await call('POST', '/api/accounts', { ...base, username: `enlace_${Date.now().toString(36)}`, streamUrl: 'https://cam.example/ana' });
    expect(created.status).toBe(201);
    const first = created.body.trackingUrl as string;
    const issued = await call('POST', `/api/accounts/${created.body.id}/tracking-link`);
    expect(issued.status).toBe(200);
    expect(issued.body.trackingUrl).not.toBe(first);
    expect(issued.body.trackingUrl).toMatch(/\/t\/[0-9a-f]{10}$/);
    expect(issued.body.previousCodes).toEqual([first.split('/').at(-1)]);
    const again = await call('POST', `/api/accounts/${created.body.id}/tracking-link`);
    expect(again.body.previousCodes).toEqual([issued.body.trackingUrl.split('/').at(-1), first.split('/').at(-1)]);
    const listed = (await call('GET', `/api/accounts?q=${created.body.username}`)).body.items as Json[];
    expect(listed.find((a) => a.id === created.body.id)!.trackingUrl).toBe(again.body.trackingUrl);
    const event = (await eventsOfType('account_updated')).at(-1)!;
    expect(event).toMatchObject({ accountId: created.body.id, data: { changed: ['trackingCode'] } });
    expect((await call('POST', `/api/accounts/${unknownId}/tracking-link`)).status).toBe(404);
    await call('DELETE', `/api/accounts/${created.body.id}`);
  });
});

describe('PATCH and DELETE /api/accounts/:id', () => {
  it('edits username and links (null clears), refuses bad input and duplicates, 404 for an unknown account', async () => {
    const created = await call('POST', '/api/accounts', {
      modelId: stack.seeded.modelId, platformId: stack.seeded.platformId, username: 'editable', profileUrl: 'https://demo.example/u/editable',
    });
    const path = `/api/accounts/${created.body.id}`;
    const before = await accountRows();
    for (const [body, status, field] of [
      [{ username: '' }, 400, 'username'],
      [{ username: 'has space' }, 400, 'username'],
      [{ profileUrl: 'mailto:x@example.com' }, 400, 'profileUrl'],
      [{ status: 'paused' }, 400, 'status'],
      [{ username: 'Modelo_Demo' }, 409, 'username'],
    ] as [unknown, number, string][]) {
      const response = await call('PATCH', path, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.fields, JSON.stringify(body)).toHaveProperty([field]);
    }
    expect(await accountRows()).toEqual(before);
    expect((await call('PATCH', `/api/accounts/${unknownId}`, { username: 'x' })).status).toBe(404);

    const edited = await call('PATCH', path, { username: '@edited', profileUrl: null, streamUrl: 'https://live.example/edited' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ username: 'edited', profileUrl: null, streamUrl: 'https://live.example/edited', held: [], released: [] });
    const event = (await eventsOfType('account_updated')).at(-1)!;
    expect(event).toMatchObject({ accountId: created.body.id, data: { username: 'edited', platform: 'demo' } });
    expect((event.data as { changed: string[] }).changed.sort()).toEqual(['profileUrl', 'streamUrl', 'username']);
    await call('DELETE', path);
  });

  it('deletes an account without publications (the event keeps who it was); 404 after', async () => {
    const created = await call('POST', '/api/accounts', { modelId: stack.seeded.modelId, platformId: stack.seeded.platformId, username: 'short_lived' });
    const deleted = await call('DELETE', `/api/accounts/${created.body.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { outcome: 'deleted', publicationCount: 0 } });
    expect((await db().select().from(platformAccounts).where(eq(platformAccounts.id, created.body.id)))).toEqual([]);
    const event = (await eventsOfType('account_deleted')).at(-1)!;
    expect(event).toMatchObject({ modelId: stack.seeded.modelId, data: { username: 'short_lived', platform: 'demo' } });
    expect((await call('DELETE', `/api/accounts/${created.body.id}`)).status).toBe(404);
    expect((await call('DELETE', '/api/accounts/not-a-uuid')).body.fields).toHaveProperty('id');
  });

  it('deactivating holds the account’s scheduled publications, reactivating releases them, and delete keeps an account with publications', async () => {
    const publication = await scheduledFarAway('account deactivation');
    const path = `/api/accounts/${stack.seeded.accountId}`;

    const disabled = await call('PATCH', path, { status: 'disabled' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ status: 'disabled', held: [publication.id], released: [] });
    expect(await publicationStatus(publication.id)).toBe('held');
    const held = (await eventsOf(db(), { publicationId: publication.id })).filter((e) => e.type === 'publication_held');
    expect(held.map((e) => e.data)).toEqual([{ cause: 'account', username: 'modelo_demo', accountStatus: 'disabled' }]);

    const reactivated = await call('PATCH', path, { status: 'active' });
    expect(reactivated.body).toMatchObject({ status: 'active', held: [], released: [publication.id] });
    expect(await publicationStatus(publication.id)).toBe('scheduled');
    const updated = (await eventsOfType('account_updated')).at(-1)!;
    expect(updated.data).toMatchObject({ changed: ['status'], status: 'active' });

    // Held by a paused model too: reactivating the account alone does not release it.
    await db().update(models).set({ status: 'paused' }).where(eq(models.id, stack.seeded.modelId));
    try {
      expect((await call('PATCH', path, { status: 'disabled' })).body.held).toEqual([publication.id]);
      expect((await call('PATCH', path, { status: 'active' })).body.released).toEqual([]);
      expect(await publicationStatus(publication.id)).toBe('held');
    } finally {
      await db().update(models).set({ status: 'active' }).where(eq(models.id, stack.seeded.modelId));
    }

    const count = (await call('GET', '/api/accounts')).body.items.find((a: Json) => a.id === stack.seeded.accountId).publicationCount;
    const kept = await call('DELETE', path);
    expect(kept).toMatchObject({ status: 200, body: { outcome: 'deactivated', publicationCount: count } });
    const row = (await db().select().from(platformAccounts).where(eq(platformAccounts.id, stack.seeded.accountId)))[0]!;
    expect(row.status).toBe('disabled');

    // Back to work: reactivated, the publication is released and can be canceled cleanly.
    expect((await call('PATCH', path, { status: 'active' })).status).toBe(200);
    await call('POST', `/api/publications/${publication.id}/cancel`, { reason: 'test done' });
    await publicationOf(stack, publication.contentId, ['canceled']);
  });
});
