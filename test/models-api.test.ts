/**
 * The models API on the whole stack (PostgreSQL, Temporal, workers, demo platform): list (shape, search, status,
 * keyset pages), create from a regional preset, read, edit with every field checked before anything is written,
 * pause/resume through PATCH holding and releasing publications like the existing services, `testing` making
 * contents wait for approval, the slots preview (saved rules and drafts), the Telegram link with its deep link, and
 * (a model created through the API publishing end to end: test/console-e2e.test.ts).
 */
import { asc, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionalPresets } from '../core/presets.js';
import { eventsOf } from '../db/events.js';
import { models, platformAccounts, systemEvents } from '../db/schema.js';
import { demoUsername } from '../scripts/seed.js';
import { publicationOf, setModelRules, slotFarAway, uploadClip } from './helpers/lifecycle.js';
import { botUsername } from '../services/telegram.js';
import { linkCodeHash } from '../crypto/link-codes.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const run = randomBytes(3).toString('hex');
const botName = 'TraficoPruebaBot';

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, env: { TELEGRAM_BOT_USERNAME: `@${botName}` } });
});
afterAll(async () => stack?.close());

const db = () => stack.app.db.db;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const create = (body: Record<string, unknown>) => api('POST', '/api/models', body);
const modelRow = async (id: string) => (await db().select().from(models).where(eq(models.id, id)))[0]!;
const eventsOfModel = (modelId: string) => db().select().from(systemEvents).where(eq(systemEvents.modelId, modelId)).orderBy(asc(systemEvents.id));

describe('GET /api/models', () => {
  it('answers each model in exactly the summary shape, searchable and paged by name', async () => {
    const names = ['Ana', 'Bea', 'Cira', 'Dora', 'Eva'].map((n) => `Lista ${run} ${n}`);
    // Created out of order: the list orders by name.
    for (const name of [...names].reverse()) expect((await create({ name })).status).toBe(201);

    const first = await api('GET', `/api/models?q=${encodeURIComponent(`lista ${run}`)}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((m: { name: string }) => m.name)).toEqual(names.slice(0, 2));
    expect(Object.keys(first.body.items[0]).sort()).toEqual(['accountCount', 'id', 'lastPublishedAt', 'name', 'sensitive', 'status', 'telegramLinked', 'timezone']);
    expect(first.body.items[0]).toMatchObject({ status: 'active', timezone: 'America/Bogota', accountCount: 0, lastPublishedAt: null, telegramLinked: false });
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const second = await api('GET', `/api/models?q=${encodeURIComponent(`lista ${run}`)}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((m: { name: string }) => m.name)).toEqual(names.slice(2, 4));
    const third = await api('GET', `/api/models?q=${encodeURIComponent(`lista ${run}`)}&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items.map((m: { name: string }) => m.name)).toEqual(names.slice(4));
    expect(third.body.nextCursor).toBeNull();
  });

  it('counts accounts, shows the demo model linked state and filters by status', async () => {
    const { body } = await api('GET', `/api/models?q=${encodeURIComponent('Modelo Demo')}`);
    const demo = body.items.find((m: { id: string }) => m.id === stack.seeded.modelId);
    // Other files of the run add accounts to the seeded model too: count what the database holds.
    const demoAccounts = await db().select({ id: platformAccounts.id }).from(platformAccounts).where(eq(platformAccounts.modelId, stack.seeded.modelId));
    expect(demo).toMatchObject({ name: 'Modelo Demo', accountCount: demoAccounts.length, telegramLinked: false });

    const testing = await create({ name: `Prueba ${run}`, status: 'testing' });
    const onlyTesting = await api('GET', `/api/models?status=testing&q=${run}`);
    expect(onlyTesting.body.items.map((m: { id: string }) => m.id)).toEqual([testing.body.id]);
  });

  it('treats search wildcards literally and refuses a foreign cursor', async () => {
    expect((await create({ name: `Por_ciento ${run} 100%` })).status).toBe(201);
    expect((await api('GET', `/api/models?q=${encodeURIComponent(`${run} 100%`)}`)).body.items).toHaveLength(1);
    expect((await api('GET', `/api/models?q=${encodeURIComponent(`Por%ciento ${run}`)}`)).body.items).toHaveLength(0);
    const bad = await api('GET', '/api/models?cursor=bm9wZQ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_cursor', fields: { cursor: expect.any(String) } });
    const badStatus = await api('GET', '/api/models?status=sleeping');
    expect(badStatus.status).toBe(400);
    expect(Object.keys(badStatus.body.fields)).toEqual(['status']);
  });
});

describe('POST /api/models', () => {
  it('creates from a regional preset, explicit fields overriding it, and records model_created', async () => {
    const created = await create({ name: `  México ${run}  `, preset: 'MX', distribution: { maxPostsPerDay: 2, approvalRequired: true } });
    expect(created.status).toBe(201);
    const mx = regionalPresets.MX;
    expect(created.body).toMatchObject({
      name: `México ${run}`, status: 'active', timezone: mx.timezone, accounts: [],
      distribution: {
        timezone: mx.timezone, slots: mx.slots, language: 'es', hashtags: mx.hashtags, minSpacingMinutes: mx.minSpacingMinutes,
        maxPostsPerDay: 2, approvalRequired: true, linkPlacement: 'end',
      },
    });
    expect(created.body.platforms).toContainEqual({ name: 'demo', active: true, maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: true });
    const events = await eventsOfModel(created.body.id);
    expect(events.map((e) => [e.type, e.actor, e.data])).toEqual([['model_created', 'api', { name: `México ${run}`, preset: 'MX' }]]);
    expect((await modelRow(created.body.id)).distribution.timezone).toBe(mx.timezone);
  });

  it('refuses a name in use, ignoring case, with 409 and fields.name', async () => {
    expect((await create({ name: `Única ${run}` })).status).toBe(201);
    const again = await create({ name: `ÚNICA ${run.toUpperCase()}` });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'duplicate_model_name', fields: { name: expect.stringContaining(`ÚNICA ${run.toUpperCase()}`) } });
    expect((await api('GET', `/api/models?q=${encodeURIComponent(`única ${run}`)}`)).body.items).toHaveLength(1);
  });

  it('refuses invalid rules naming every wrong field, and creates nothing', async () => {
    const name = `Inválida ${run}`;
    const refused = await create({
      name,
      distribution: { timezone: 'Mars/Olympus', slots: ['19:00', '25:00'], allowedPlatforms: ['nowhere'], hashtagPools: { demo: ['ok', 'no vale'] } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_rules');
    expect(Object.keys(refused.body.fields).sort()).toEqual([
      'distribution.allowedPlatforms', 'distribution.hashtagPools.demo', 'distribution.slots', 'distribution.timezone',
    ]);
    expect(refused.body.fields['distribution.timezone']).toBe('"Mars/Olympus" is not a known IANA time zone.');
    expect(refused.body.fields['distribution.slots']).toContain('"25:00"');
    expect((await api('GET', `/api/models?q=${encodeURIComponent(name)}`)).body.items).toHaveLength(0);
  });

  it('refuses malformed bodies with the field named', async () => {
    const wrongType = await create({ name: `Tipos ${run}`, distribution: { maxPostsPerDay: 'many' } });
    expect(wrongType.status).toBe(400);
    expect(Object.keys(wrongType.body.fields)).toEqual(['distribution.maxPostsPerDay']);
    const noName = await create({ preset: 'US' });
    expect(noName.status).toBe(400);
    expect(Object.keys(noName.body.fields)).toEqual(['name']);
    const blank = await create({ name: '   ' });
    expect(blank.status).toBe(400);
    expect(Object.keys(blank.body.fields)).toEqual(['name']);
    const badPreset = await create({ name: `Preset ${run}`, preset: 'XX' });
    expect(badPreset.status).toBe(400);
    expect(Object.keys(badPreset.body.fields)).toEqual(['preset']);
    // Unknown fields are dropped (the API's validator removes what a schema does not name), never stored.
    const extra = await create({ name: `Extra ${run}`, distribution: { colour: 'red' } });
    expect(extra.status).toBe(201);
    expect((await modelRow(extra.body.id)).distribution).not.toHaveProperty('colour');
  });
});

describe('GET /api/models/:id', () => {
  it('shows the rules, accounts and platform limits; 404 for an unknown model, 400 for a malformed id', async () => {
    const demo = await api('GET', `/api/models/${stack.seeded.modelId}`);
    expect(demo.status).toBe(200);
    // The seeded account among the model's accounts (other files of the run may add more), each with its platform.
    expect(demo.body.accounts).toContainEqual({ id: stack.seeded.accountId, platform: 'demo', username: demoUsername, status: expect.any(String) });
    const stored = await db().select({ id: platformAccounts.id }).from(platformAccounts).where(eq(platformAccounts.modelId, stack.seeded.modelId));
    expect(demo.body.accounts.map((a: { id: string }) => a.id).sort()).toEqual(stored.map((a) => a.id).sort());
    expect(demo.body.distribution).toMatchObject({ timezone: expect.any(String), linkPlacement: 'end' });
    expect(demo.body.telegramLinked).toBe(false);
    expect((await api('GET', '/api/models/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('GET', '/api/models/nope')).status).toBe(400);
  });
});

describe('PATCH /api/models/:id', () => {
  it('replaces the fields given and lists what changed in model_updated', async () => {
    const { body: model } = await create({ name: `Editar ${run}`, preset: 'US' });
    const patched = await api('PATCH', `/api/models/${model.id}`, {
      name: `Editada ${run}`,
      distribution: { slots: ['18:00'], linkPlacement: 'start', voice: 'dulce', hashtagPools: { demo: ['uno', 'dos'] }, captionTemplates: { demo: '{context} — {model}' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: `Editada ${run}`,
      distribution: { slots: ['18:00'], linkPlacement: 'start', voice: 'dulce', timezone: regionalPresets.US.timezone, hashtags: regionalPresets.US.hashtags },
    });
    const updated = (await eventsOfModel(model.id)).filter((e) => e.type === 'model_updated');
    expect(updated.map((e) => e.data)).toEqual([{
      name: `Editada ${run}`,
      changed: ['name', 'distribution.slots', 'distribution.voice', 'distribution.captionTemplates', 'distribution.hashtagPools', 'distribution.linkPlacement'],
    }]);

    // null removes an optional field; the same values again change nothing and record nothing.
    const removed = await api('PATCH', `/api/models/${model.id}`, { distribution: { voice: null, slots: ['18:00'] } });
    expect(removed.body.distribution.voice).toBeUndefined();
    const again = await api('PATCH', `/api/models/${model.id}`, { name: `Editada ${run}`, distribution: { slots: ['18:00'] } });
    expect(again.status).toBe(200);
    expect((await eventsOfModel(model.id)).filter((e) => e.type === 'model_updated').map((e) => e.data)).toEqual([
      updated[0]!.data, { name: `Editada ${run}`, changed: ['distribution.voice'] },
    ]);
  });

  it('writes nothing when one field is wrong, and 409 for a name in use', async () => {
    const { body: model } = await create({ name: `Intacta ${run}`, preset: 'DE' });
    const before = await modelRow(model.id);
    const refused = await api('PATCH', `/api/models/${model.id}`, {
      name: `Cambiada ${run}`, status: 'testing', distribution: { slots: ['20:00'], maxPostsPerDay: 0 },
    });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.fields)).toEqual(['distribution.maxPostsPerDay']);
    const conflict = await api('PATCH', `/api/models/${model.id}`, { name: 'modelo demo', distribution: { slots: ['20:00'] } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: 'duplicate_model_name', fields: { name: expect.any(String) } });
    const after = await modelRow(model.id);
    expect(after).toEqual(before);
    expect((await eventsOfModel(model.id)).map((e) => e.type)).toEqual(['model_created']);
    expect((await api('PATCH', '/api/models/00000000-0000-4000-8000-000000000000', { name: 'x' })).status).toBe(404);
  });

  it('pauses and resumes through PATCH: scheduled publications are held, then released', async () => {
    // One publication of the demo model waiting for a slot twelve hours away.
    await setModelRules(stack, slotFarAway());
    const uploaded = await uploadClip(stack, `Pausa por PATCH ${run}`);
    const waiting = await publicationOf(stack, uploaded.body.id as string, ['scheduled']);

    const paused = await api('PATCH', `/api/models/${stack.seeded.modelId}`, { status: 'paused' });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect((await publicationOf(stack, uploaded.body.id as string, ['held'])).id).toBe(waiting.id);
    const pausedEvents = await eventsOfModel(stack.seeded.modelId);
    expect(pausedEvents.find((e) => e.type === 'model_paused')?.data).toMatchObject({ held: expect.arrayContaining([waiting.id]) });

    const resumed = await api('PATCH', `/api/models/${stack.seeded.modelId}`, { status: 'active' });
    expect(resumed.body.status).toBe('active');
    expect((await publicationOf(stack, uploaded.body.id as string, ['scheduled'])).id).toBe(waiting.id);
    const events = await eventsOfModel(stack.seeded.modelId);
    expect(events.find((e) => e.type === 'model_resumed')?.data).toMatchObject({ released: expect.arrayContaining([waiting.id]) });
    expect(events.filter((e) => e.type === 'model_updated').map((e) => e.data).slice(-2)).toEqual([
      { name: 'Modelo Demo', changed: ['status'] }, { name: 'Modelo Demo', changed: ['status'] },
    ]);
    expect((await api('POST', `/api/publications/${waiting.id}/cancel`, {})).status).toBe(202);
  });

  it('a testing model waits for approval even when its rules do not ask for it', async () => {
    await setModelRules(stack, { approvalRequired: false });
    expect((await api('PATCH', `/api/models/${stack.seeded.modelId}`, { status: 'testing' })).body.status).toBe('testing');
    try {
      const uploaded = await uploadClip(stack, `En prueba ${run}`);
      const contentId = uploaded.body.id as string;
      await waitFor(async () => (await eventsOf(db(), { contentId })).find((e) => e.type === 'approval_requested'), { what: 'approval_requested', timeoutMs: 60_000 });
      const content = await api('GET', `/api/contents/${contentId}`);
      expect(content.body.status).toBe('new');
      expect(content.body.publications).toEqual([]);
      expect((await api('POST', `/api/contents/${contentId}/reject`, { reason: 'solo una prueba' })).status).toBe(202);
    } finally {
      expect((await api('PATCH', `/api/models/${stack.seeded.modelId}`, { status: 'active' })).body.status).toBe('active');
    }
  });
});

describe('GET /api/models/:id/slots-preview', () => {
  it('gives the next free slots per account under the saved rules, and under a draft before it is saved', async () => {
    await setModelRules(stack, { timezone: 'America/Bogota', slots: ['20:00'], maxPostsPerDay: 1, minSpacingMinutes: 0 });
    const saved = await api('GET', `/api/models/${stack.seeded.modelId}/slots-preview`);
    expect(saved.status).toBe(200);
    expect(saved.body.timezone).toBe('America/Bogota');
    const account = saved.body.accounts.find((a: { accountId: string }) => a.accountId === stack.seeded.accountId);
    expect(account).toMatchObject({ platform: 'demo', username: demoUsername, minLeadMinutes: 0, maxLeadDays: 30 });
    expect(account.slots).toHaveLength(10);
    // 20:00 in Bogotá (UTC-5, no DST) is 01:00 UTC, one a day.
    for (const slot of account.slots as string[]) expect(slot).toMatch(/T01:00:00\.000Z$/);
    expect(new Set((account.slots as string[]).map((s) => s.slice(0, 10))).size).toBe(10);

    const draft = await api('GET', `/api/models/${stack.seeded.modelId}/slots-preview?count=6&timezone=UTC&slots=${encodeURIComponent('09:30, 21:00')}&maxPostsPerDay=2&minSpacingMinutes=60`);
    expect(draft.status).toBe(200);
    expect(draft.body.rules).toEqual({ timezone: 'UTC', slots: ['09:30', '21:00'], maxPostsPerDay: 2, minSpacingMinutes: 60 });
    const drafted = draft.body.accounts.find((a: { accountId: string }) => a.accountId === stack.seeded.accountId);
    expect(drafted.slots).toHaveLength(6);
    for (const slot of drafted.slots as string[]) expect(slot).toMatch(/T(09:30|21:00):00\.000Z$/);
    expect([...(drafted.slots as string[])].sort()).toEqual(drafted.slots);
    // Saved rules unchanged by a preview.
    expect((await modelRow(stack.seeded.modelId)).distribution.timezone).toBe('America/Bogota');

    // No slots = as soon as possible, spaced as the draft says.
    const asap = await api('GET', `/api/models/${stack.seeded.modelId}/slots-preview?slots=&count=3&minSpacingMinutes=30&maxPostsPerDay=50`);
    const times = asap.body.accounts[0].slots.map((s: string) => Date.parse(s));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('refuses an invalid draft naming the fields, and 404 for an unknown model', async () => {
    const bad = await api('GET', `/api/models/${stack.seeded.modelId}/slots-preview?timezone=Nowhere/City&slots=${encodeURIComponent('7pm')}&maxPostsPerDay=0`);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(['maxPostsPerDay', 'slots', 'timezone']);
    expect((await api('GET', '/api/models/00000000-0000-4000-8000-000000000000/slots-preview')).status).toBe(404);
    expect((await api('GET', `/api/models/${stack.seeded.modelId}/slots-preview?count=500`)).status).toBe(400);
  });
});

describe('POST /api/models/:id/telegram-link', () => {
  it('hands out a code with the t.me deep link and its QR code when the bot username is configured', async () => {
    const { body: model } = await create({ name: `Telegram ${run}` });
    const link = await api('POST', `/api/models/${model.id}/telegram-link`, { ttlHours: 2 });
    expect(link.status).toBe(201);
    expect(link.body.code).toMatch(/^[A-Z2-9]{10}$/);
    // Shown in this answer only: the row keeps its HMAC, and no read of the model gives the code back.
    const [row] = await db().select().from(models).where(eq(models.id, model.id));
    expect(row!.telegramLinkCodeHash).toBe(linkCodeHash(stack.app.config.sessionSecret, link.body.code));
    expect(JSON.stringify(row)).not.toContain(link.body.code);
    expect(JSON.stringify((await api('GET', `/api/models/${model.id}`)).body)).not.toContain(link.body.code);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
    expect(link.body.deepLink).toBe(`https://t.me/${botName}?start=${link.body.code}`);
    expect(link.body.qrSvg).toMatch(/^<svg [^>]*viewBox="[^"]+"[^>]*>.*<\/svg>$/s);
    expect(link.body.qrSvg).not.toMatch(/<script/i);
    expect((await api('POST', '/api/models/00000000-0000-4000-8000-000000000000/telegram-link', {})).status).toBe(404);
  });
});

describe('the bot username for deep links', () => {
  it('is asked once from getMe with the token and cached; a failed answer is not cached', async () => {
    const token = `123456:${run}ABC-def_ghi`;
    const calls: string[] = [];
    let answer: 'ok' | 'down' = 'down';
    const server = createServer((request, response) => {
      calls.push(request.url ?? '');
      if (answer === 'down') return response.writeHead(502).end('bad gateway');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { id: 1, is_bot: true, username: 'GetMeBot' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await botUsername({ apiRoot, token })).toBeNull();
      answer = 'ok';
      expect(await botUsername({ apiRoot, token })).toBe('GetMeBot');
      expect(await botUsername({ apiRoot, token })).toBe('GetMeBot');
      expect(calls).toEqual([`/bot${token}/getMe`, `/bot${token}/getMe`]);
      // The configured name wins, without asking; no bot at all, no name.
      expect(await botUsername({ apiRoot, token, botUsername: '@Configurado_bot' })).toBe('Configurado_bot');
      expect(await botUsername({ apiRoot })).toBeNull();
      expect(calls).toHaveLength(2);
    } finally {
      server.close();
    }
  });
});
