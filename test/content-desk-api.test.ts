/**
 * The content desk's API on the whole stack: the queue list (filters, search, keyset pages), a content's media and
 * thumbnail with range requests (full, `bytes=0-99`, open and suffix ranges, 416, 401, each content its own file),
 * the desk's per-platform view (limits, counters, violations, planned slots), and approval checked against the
 * platform's limits and the moderation rules — refused naming the platform, passed with a recorded override —
 * plus auto-approval held back by a violation.
 */
import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../db/events.js';
import { capabilitiesFor } from '../core/platforms.js';
import { contents, moderationRules, platforms } from '../db/schema.js';
import { makeTestVideo } from './helpers/media.js';
import { getJson, startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const run = randomBytes(3).toString('hex');
let modelId = '';
/** A platform of its own (the demo driver): other test files edit the shared `demo` platform's limits. */
const platformName = `mesa_${run}`;
const uploaded: { id: string; path: string }[] = [];

const auth = () => ({ authorization: `Bearer ${stack.apiToken}` });
const db = () => stack.app.db.db;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, any> };
}

/** A fresh clip for the test model; resolves once its captions are drafted and it waits for a decision. */
async function sendClip(context: string, opts: { waitFor?: 'approval' } = { waitFor: 'approval' }) {
  const path = await makeTestVideo(join(stack.dataDir, `desk-${randomBytes(4).toString('hex')}.mp4`), { seconds: 2 });
  const response = await uploadVideo(stack, { modelId, context, file: { data: readFileSync(path), name: 'desk.mp4' } });
  expect(response.status).toBe(202);
  const id = String(response.body.id);
  uploaded.push({ id, path });
  if (opts.waitFor === 'approval') {
    await waitFor(async () => (await eventsOf(db(), { contentId: id })).some((e) => e.type === 'approval_requested'), {
      what: `content ${id} to wait for approval`, timeoutMs: 60_000,
    });
  }
  return id;
}

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  const hour = String((new Date().getUTCHours() + 12) % 24).padStart(2, '0');
  const model = await api('POST', '/api/models', {
    name: `Mesa ${run}`,
    distribution: { approvalRequired: true, timezone: 'UTC', slots: [`${hour}:00`], hashtags: ['webcam'] },
  });
  expect(model.status).toBe(201);
  modelId = model.body.id;
  const [platform] = await db().insert(platforms)
    .values({ name: platformName, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: stack.demo.url } })
    .returning();
  const account = await api('POST', '/api/accounts', { modelId, platformId: platform!.id, username: `mesa_${run}` });
  expect(account.status).toBe(201);
});
afterAll(async () => {
  if (modelId) await db().delete(moderationRules).where(eq(moderationRules.modelId, modelId)).catch(() => undefined);
  await stack?.close();
});

describe('the queue', () => {
  it('lists waiting contents oldest first, searches and filters, pages by cursor, and names bad input', async () => {
    const first = await sendClip(`Primera toma ${run}`);
    const second = await sendClip(`Segunda toma ${run} en la playa`);

    const queue = await getJson<{ items: { id: string; modelName: string; context: string; thumbnailUrl: string | null; platforms: string[] }[]; nextCursor: string | null }>(
      stack, `/api/contents?status=new&modelId=${modelId}`,
    );
    expect(queue.items.map((i) => i.id)).toEqual([first, second]);
    expect(queue.items[0]).toMatchObject({ modelName: `Mesa ${run}`, context: `Primera toma ${run}`, thumbnailUrl: `/api/contents/${first}/thumbnail`, platforms: [platformName] });

    // Any other status (here: all) is newest first.
    const all = await getJson<{ items: { id: string }[] }>(stack, `/api/contents?modelId=${modelId}`);
    expect(all.items.map((i) => i.id)).toEqual([second, first]);

    const searched = await getJson<{ items: { id: string }[] }>(stack, `/api/contents?q=${encodeURIComponent(`playa`)}&modelId=${modelId}`);
    expect(searched.items.map((i) => i.id)).toEqual([second]);
    const byModelName = await getJson<{ items: { id: string }[] }>(stack, `/api/contents?status=new&q=${encodeURIComponent(`mesa ${run}`)}`);
    expect(byModelName.items.map((i) => i.id)).toEqual([first, second]);

    const page1 = await getJson<{ items: { id: string }[]; nextCursor: string | null }>(stack, `/api/contents?status=new&modelId=${modelId}&limit=1`);
    expect(page1.items.map((i) => i.id)).toEqual([first]);
    expect(page1.nextCursor).toBeTruthy();
    const page2 = await getJson<{ items: { id: string }[]; nextCursor: string | null }>(
      stack, `/api/contents?status=new&modelId=${modelId}&limit=1&cursor=${page1.nextCursor}`,
    );
    expect(page2.items.map((i) => i.id)).toEqual([second]);

    const badStatus = await api('GET', '/api/contents?status=pending');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.message).toMatch(/status/);
    const badCursor = await api('GET', '/api/contents?cursor=nonsense');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.fields).toHaveProperty('cursor');
    const badModel = await api('GET', '/api/contents?modelId=42');
    expect(badModel.status).toBe(400);
    expect(badModel.body.message).toMatch(/modelId/);
  });

  it('shows each platform\'s limits, counters, violations and planned slot', async () => {
    const id = uploaded[0]!.id;
    const content = await getJson<Record<string, any>>(stack, `/api/contents/${id}`);
    expect(content).toMatchObject({ modelName: `Mesa ${run}`, mediaUrl: `/api/contents/${id}/media`, thumbnailUrl: `/api/contents/${id}/thumbnail` });
    const [target] = content.targets;
    expect(target).toMatchObject({ platform: platformName, limits: { maxCaptionLength: 2200, maxHashtags: 10, linksAllowed: true }, violations: [] });
    expect(target.usage.characters).toBe(content.captions[platformName].caption.length + 2 + content.captions[platformName].tags.map((t: string) => `#${t}`).join(' ').length);
    const [slot] = target.accounts;
    expect(slot.username).toBe(`mesa_${run}`);
    // Her one slot, about twelve hours from now.
    const planned = Date.parse(slot.plannedSlot);
    expect(planned - Date.now()).toBeGreaterThan(10 * 3_600_000);
    expect(new Date(planned).getUTCMinutes()).toBe(0);
  });
});

describe('media with range requests', () => {
  it('serves the whole file, byte ranges, open and suffix ranges, and refuses what cannot be served', async () => {
    const { id } = uploaded[0]!;
    const [row] = await db().select().from(contents).where(eq(contents.id, id));
    const stored = readFileSync(row!.filePath);
    const url = `${stack.url}/api/contents/${id}/media`;

    const full = await fetch(url, { headers: auth() });
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(full.headers.get('cache-control')).toContain('private');
    expect(Buffer.from(await full.arrayBuffer()).equals(stored)).toBe(true);

    const first100 = await fetch(url, { headers: { ...auth(), range: 'bytes=0-99' } });
    expect(first100.status).toBe(206);
    expect(first100.headers.get('content-range')).toBe(`bytes 0-99/${stored.length}`);
    expect(Buffer.from(await first100.arrayBuffer()).equals(stored.subarray(0, 100))).toBe(true);

    const open = await fetch(url, { headers: { ...auth(), range: 'bytes=1000-' } });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-range')).toBe(`bytes 1000-${stored.length - 1}/${stored.length}`);
    expect(Buffer.from(await open.arrayBuffer()).equals(stored.subarray(1000))).toBe(true);

    const suffix = await fetch(url, { headers: { ...auth(), range: 'bytes=-50' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(stored.subarray(stored.length - 50))).toBe(true);

    const unsatisfiable = await fetch(url, { headers: { ...auth(), range: `bytes=${stored.length + 10}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${stored.length}`);

    const anonymous = await fetch(url, { headers: { range: 'bytes=0-99' } });
    expect(anonymous.status).toBe(401);
    const wrongToken = await fetch(url, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrongToken.status).toBe(401);

    const thumbnail = await fetch(`${stack.url}/api/contents/${id}/thumbnail`, { headers: auth() });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await thumbnail.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);

    expect((await fetch(`${stack.url}/api/contents/00000000-0000-4000-8000-000000000000/media`, { headers: auth() })).status).toBe(404);
    expect((await fetch(`${stack.url}/api/contents/not-an-id/media`, { headers: auth() })).status).toBe(400);
  });

  it('answers each content with its own file only', async () => {
    const [a, b] = uploaded;
    const bodies = await Promise.all([a!, b!].map(async ({ id }) => {
      const [row] = await db().select().from(contents).where(eq(contents.id, id));
      const served = Buffer.from(await (await fetch(`${stack.url}/api/contents/${id}/media`, { headers: auth() })).arrayBuffer());
      return { served, stored: readFileSync(row!.filePath) };
    }));
    expect(bodies[0]!.served.equals(bodies[0]!.stored)).toBe(true);
    expect(bodies[1]!.served.equals(bodies[1]!.stored)).toBe(true);
    expect(bodies[0]!.served.equals(bodies[1]!.served)).toBe(false);
  });
});

describe('approval against limits and moderation rules', () => {
  it('refuses a caption past the platform limit, naming the platform, and stores nothing', async () => {
    const id = uploaded[0]!.id;
    const refused = await api('POST', `/api/contents/${id}/approve`, { captions: { [platformName]: { caption: 'x'.repeat(2190) } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('caption_violations');
    expect(refused.body.fields[`captions.${platformName}`]).toMatch(/characters/);
    // A limit cannot be overridden.
    const overridden = await api('POST', `/api/contents/${id}/approve`, { captions: { [platformName]: { caption: 'x'.repeat(2190) } }, overrides: [platformName] });
    expect(overridden.status).toBe(400);
    const unknown = await api('POST', `/api/contents/${id}/approve`, { overrides: ['myspace'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toHaveProperty('overrides');
    const [row] = await db().select().from(contents).where(eq(contents.id, id));
    expect(row!.status).toBe('new');
  });

  it('blocks a banned word until fixed or overridden, and records the override with who made it', async () => {
    const id = uploaded[0]!.id;
    await db().insert(moderationRules).values({ modelId, kind: 'banned_word', value: 'gratis', note: 'la plataforma lo penaliza', createdBy: 'test' });
    const view = await getJson<Record<string, any>>(stack, `/api/contents/${id}`);
    expect(view.moderationRules.map((r: { value: string }) => r.value)).toContain('gratis');

    const refused = await api('POST', `/api/contents/${id}/approve`, { captions: { [platformName]: { caption: 'Show GRATIS esta noche' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.fields[`captions.${platformName}`]).toMatch(/gratis/i);

    const approved = await api('POST', `/api/contents/${id}/approve`, { captions: { [platformName]: { caption: 'Show GRATIS esta noche' } }, overrides: [platformName] });
    expect(approved.status).toBe(202);
    const event = await waitFor(async () => (await eventsOf(db(), { contentId: id })).find((e) => e.type === 'content_approved'), {
      what: 'the approval to be recorded', timeoutMs: 30_000,
    });
    expect(event.actor).toBe('api');
    expect(event.data).toMatchObject({ editedCaptions: [platformName], overrides: [{ platform: platformName, violations: ['banned_word'] }] });
    expect(event.description).toContain(`moderation overridden on ${platformName}`);
  });

  it('holds back auto-approval when a draft breaks a rule, saying which', async () => {
    await api('PATCH', `/api/models/${modelId}`, { distribution: { approvalRequired: false } });
    await db().insert(moderationRules).values({ modelId, kind: 'required_tag', value: '#ad', createdBy: 'test' });
    const id = await sendClip(`Sin etiqueta ${run}`);
    const [requested] = (await eventsOf(db(), { contentId: id })).filter((e) => e.type === 'approval_requested');
    expect(requested!.data).toMatchObject({ violations: [{ platform: platformName, codes: ['missing_tag'] }] });
    const [row] = await db().select().from(contents).where(eq(contents.id, id));
    expect(row!.status).toBe('new');
    // Adding the tag makes it approvable without any override.
    const view = await getJson<Record<string, any>>(stack, `/api/contents/${id}`);
    const approved = await api('POST', `/api/contents/${id}/approve`, { captions: { [platformName]: { tags: [...view.captions[platformName].tags, 'ad'] } } });
    expect(approved.status).toBe(202);
    await db().delete(moderationRules).where(and(eq(moderationRules.modelId, modelId), eq(moderationRules.kind, 'required_tag')));
  });
});
