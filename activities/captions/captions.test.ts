/**
 * generateCaptions against the real test PostgreSQL (globalSetup's `databaseUrl`) and the fake LLM.
 * The factory is called directly with its deps: no Temporal needed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '../../config.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules, type DistributionRules } from '../../core/types.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { contents, models, platformAccounts, platforms, systemEvents } from '../../db/schema.js';
import { findContent } from '../../db/contents.js';
import { llmReply, startFakeLlm, type FakeLlm } from '../../test/fakes/llm-server.js';
import type { ActivityDeps } from '../deps.js';
import { createCaptionActivities } from './index.js';

const run = randomBytes(4).toString('hex');
/** Platform names are unique in the shared test database: each run gets its own. */
const names = { tiktok: `TikTok-${run}`, instagram: `Instagram-${run}`, youtube: `YouTube-${run}`, other: `Other-${run}`, off: `Off-${run}` };
const pool = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const apiKey = `sk-test-${randomBytes(12).toString('hex')}`;

let handle: DbHandle;
let llm: FakeLlm;
let dataDir: string;
let logLines: string[];
const platformIds: Record<keyof typeof names, string> = { tiktok: '', instagram: '', youtube: '', other: '', off: '' };

function deps(env: Record<string, string> = {}): ActivityDeps {
  const config: AppConfig = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: randomBytes(18).toString('base64url'),
    ADMIN_PASSWORD: 'admin-test-password',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  return { db: handle.db, config, log, browser: undefined as never };
}
const withLlm = (extra: Record<string, string> = {}) => deps({ LLM_BASE_URL: llm.baseUrl, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: '3000', ...extra });

/** A model with accounts on the given platforms and one new content; returns the content id. */
async function seed(opts: { rules?: Partial<DistributionRules>; on?: (keyof typeof names)[]; context?: string | null } = {}) {
  const [model] = await handle.db.insert(models).values({
    name: `Sofía ${randomBytes(4).toString('hex')}`,
    distribution: { ...defaultDistributionRules, hashtags: pool('tag', 40), ...opts.rules },
  }).returning();
  const on = opts.on ?? ['tiktok', 'instagram', 'youtube'];
  for (const key of on) {
    await handle.db.insert(platformAccounts).values({ modelId: model!.id, platformId: platformIds[key], username: `u_${randomBytes(5).toString('hex')}` });
  }
  const [content] = await handle.db.insert(contents).values({
    modelId: model!.id, filePath: '/tmp/none.mp4', sentBy: 'test', context: opts.context === undefined ? 'Show nuevo esta noche' : opts.context,
  }).returning();
  return { contentId: content!.id, model: model! };
}

const captionEvents = (contentId: string) =>
  handle.db.select().from(systemEvents).where(eq(systemEvents.contentId, contentId)).then((rows) => rows.filter((r) => r.type === 'caption_generated'));

/** The platform a request was for, read back from its system prompt. */
function platformOf(body: unknown): string {
  const system = (body as { messages: { content: string }[] }).messages[0]!.content;
  return Object.values(names).find((n) => system.includes(` on ${n} `)) ?? '?';
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-captions-'));
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  llm = await startFakeLlm();
  const rows = await handle.db.insert(platforms).values([
    { name: names.tiktok, capabilities: capabilitiesFor('tiktok'), technicalConfig: { driver: 'tiktok', baseUrl: 'https://tiktok.invalid' } },
    { name: names.instagram, capabilities: capabilitiesFor('instagram'), technicalConfig: { driver: 'instagram', baseUrl: 'https://instagram.invalid' } },
    { name: names.youtube, capabilities: capabilitiesFor('youtube'), technicalConfig: { driver: 'youtube', baseUrl: 'https://youtube.invalid' } },
    { name: names.other, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://demo.invalid' } },
    { name: names.off, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://demo.invalid' }, active: false },
  ]).returning();
  for (const [key, name] of Object.entries(names) as [keyof typeof names, string][]) platformIds[key] = rows.find((r) => r.name === name)!.id;
});
afterAll(async () => {
  await llm?.close();
  await handle?.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  llm.reset();
  logLines = [];
});

describe('generateCaptions', () => {
  it('drafts one template caption per platform, within each platform limit, without an LLM', async () => {
    const { contentId } = await seed({
      on: ['tiktok', 'tiktok', 'instagram', 'youtube', 'other', 'off'],
      rules: {
        allowedPlatforms: [names.tiktok, names.instagram, names.youtube, names.off],
        captionTemplates: { [names.youtube]: '{context} | {model} en {platform}' },
      },
    });
    const { generateCaptions } = createCaptionActivities(deps());
    const { drafts } = await generateCaptions(contentId);

    // Distinct platforms, allowedPlatforms honoured, inactive platforms left out.
    expect(Object.keys(drafts).sort()).toEqual([names.instagram, names.tiktok, names.youtube].sort());
    expect(drafts[names.tiktok]!.tags).toEqual(pool('tag', 10));
    expect(drafts[names.instagram]!.tags).toEqual(pool('tag', 30));
    expect(drafts[names.youtube]!.tags).toEqual(pool('tag', 15));
    expect(drafts[names.tiktok]).toMatchObject({ caption: expect.stringMatching(/^Show nuevo esta noche\n\n✨ Sofía [0-9a-f]+ en vivo ahora$/) as string, source: 'template' });
    expect(drafts[names.youtube]!.caption).toMatch(new RegExp(`^Show nuevo esta noche \\| Sofía [0-9a-f]+ en ${names.youtube}$`));

    const stored = await findContent(handle.db, contentId);
    expect(stored!.captionDrafts).toEqual(drafts);
    const first = [names.instagram, names.tiktok, names.youtube].sort((a, b) => a.localeCompare(b))[0]!;
    expect(stored!.generatedCaption).toBe(drafts[first]!.caption);
    expect(stored!.generatedTags).toEqual(drafts[first]!.tags);

    const events = await captionEvents(contentId);
    expect(events).toHaveLength(1);
    expect(events[0]!.description).toContain(`${names.tiktok}: template`);
    expect(events[0]!.data).toMatchObject({ llm: false, platforms: { [names.tiktok]: { source: 'template' } } });
    expect(llm.requests).toHaveLength(0);
  });

  it('writes English captions for English models', async () => {
    const { contentId } = await seed({ rules: { language: 'en' }, on: ['tiktok'], context: null });
    const { drafts } = await createCaptionActivities(deps()).generateCaptions(contentId);
    expect(drafts[names.tiktok]!.caption).toMatch(/^✨ Sofía [0-9a-f]+ live now$/);
  });

  it('uses the LLM when configured: pool tags first, suggestions fill the rest, no links', async () => {
    llm.respond(llmReply.json({ caption: 'Hoy estreno show, te espero https://spam.example.com', hashtags: ['#latina', 'tag0', 'noche'] }));
    const { contentId } = await seed({ rules: { hashtags: pool('tag', 5), voice: 'dulce y coqueta' } });
    const { drafts } = await createCaptionActivities(withLlm({ LLM_API_KEY: apiKey })).generateCaptions(contentId);

    for (const name of [names.tiktok, names.instagram, names.youtube]) {
      expect(drafts[name]).toEqual({ caption: 'Hoy estreno show, te espero', tags: [...pool('tag', 5), 'latina', 'noche'], source: 'llm' });
    }
    expect(llm.requests).toHaveLength(3);
    expect(llm.requests.map((r) => platformOf(r.body)).sort()).toEqual([names.instagram, names.tiktok, names.youtube].sort());
    for (const request of llm.requests) {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe(`Bearer ${apiKey}`);
      const body = request.body as { model: string; messages: { role: string; content: string }[]; response_format: unknown };
      expect(body.model).toBe('fake-model');
      expect(body.response_format).toEqual({ type: 'json_object' });
      expect(body.messages[0]!.content).toContain('dulce y coqueta');
      expect(body.messages[1]!.content).toContain('Show nuevo esta noche');
    }
    const [event] = await captionEvents(contentId);
    expect(event!.description).toContain(`${names.tiktok}: llm`);
    expect(logLines.join('')).not.toContain(apiKey);
  });

  it('falls back to the template per platform (HTTP 500, garbage) and records why', async () => {
    llm.respond((request) => {
      const platform = platformOf(request.body);
      if (platform === names.tiktok) return llmReply.status(500);
      if (platform === names.instagram) return llmReply.text('Lo siento, no puedo escribir eso.');
      return llmReply.json({ caption: 'Te espero esta noche', hashtags: [] });
    });
    const { contentId } = await seed();
    const { drafts } = await createCaptionActivities(withLlm()).generateCaptions(contentId);

    expect(drafts[names.tiktok]!.source).toBe('template');
    expect(drafts[names.instagram]!.source).toBe('template');
    expect(drafts[names.youtube]).toMatchObject({ caption: 'Te espero esta noche', source: 'llm' });
    expect(drafts[names.tiktok]!.tags).toHaveLength(10);

    const [event] = await captionEvents(contentId);
    expect(event!.description).toContain(`${names.tiktok}: template (llm failed: http: HTTP 500`);
    expect(event!.description).toContain(`${names.instagram}: template (llm failed: bad_response: content is not a JSON object`);
    expect(event!.description).toContain(`${names.youtube}: llm`);
    expect(event!.data).toMatchObject({ llm: true, platforms: { [names.tiktok]: { source: 'template', fallback: expect.stringMatching(/^http: HTTP 500/) as string } } });
    expect(logLines.some((l) => l.includes('LLM caption failed; using the template'))).toBe(true);
    // No key configured: no Authorization header.
    expect(llm.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('falls back when the LLM is slower than LLM_TIMEOUT_MS', async () => {
    llm.respond(llmReply.slow(30_000, llmReply.json({ caption: 'demasiado tarde', hashtags: [] })));
    const { contentId } = await seed({ on: ['tiktok'] });
    const { drafts } = await createCaptionActivities(withLlm({ LLM_TIMEOUT_MS: '200' })).generateCaptions(contentId);
    expect(drafts[names.tiktok]!.source).toBe('template');
    const [event] = await captionEvents(contentId);
    expect(event!.description).toContain('llm failed: timeout: no answer within 200 ms');
  });

  it('is idempotent: stored drafts (and admin edits) come back without asking the LLM again', async () => {
    const { contentId } = await seed({ on: ['tiktok'] });
    const activities = createCaptionActivities(withLlm());
    const { drafts } = await activities.generateCaptions(contentId);
    expect(llm.requests).toHaveLength(1);

    const edited = { ...drafts, [names.tiktok]: { caption: 'Editado por la admin', tags: ['uno'], source: 'edited' as const } };
    await handle.db.update(contents).set({ captionDrafts: edited }).where(eq(contents.id, contentId));
    expect(await activities.generateCaptions(contentId)).toEqual({ drafts: edited });
    expect(llm.requests).toHaveLength(1);
    expect(await captionEvents(contentId)).toHaveLength(1);
  });

  it('without accounts stores a template caption with the default capabilities and no drafts', async () => {
    const { contentId, model } = await seed({ on: [] });
    const { drafts } = await createCaptionActivities(withLlm()).generateCaptions(contentId);
    expect(drafts).toEqual({});
    const stored = await findContent(handle.db, contentId);
    expect(stored!.generatedCaption).toBe(`Show nuevo esta noche\n\n✨ ${model.name} en vivo ahora`);
    expect(stored!.generatedTags).toEqual(pool('tag', 10));
    expect(llm.requests).toHaveLength(0);
    const [event] = await captionEvents(contentId);
    expect(event!.description).toMatch(/no active accounts/);
  });

  it('fails without retry for an unknown content', async () => {
    await expect(createCaptionActivities(deps()).generateCaptions(randomUUID())).rejects.toMatchObject({ type: 'NotFound', nonRetryable: true });
  });
});
