/**
 * The auto-moderation rules API on the whole stack (PostgreSQL, the real server): create / list / edit / delete
 * with every change recorded as `moderation_rule_changed` with its actor; bad input answered 4xx naming the field
 * (an expression that does not compile or could hang the server, a maximum that is no number, an unknown platform
 * or model) with nothing stored; the studio's limit; and the server's check of a caption draft (a banned word and
 * a caption too long for the platform).
 */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERATION_RULE_LIMIT } from '../contracts/api/moderation.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { models, moderationRules, platforms, systemEvents } from '../db/schema.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
const db = () => stack.app.db.db;
const suffix = randomBytes(4).toString('hex');
const unknownId = '5f0c8a9e-3b1d-4c2a-9e7f-1a2b3c4d5e6f';

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, token = stack.apiToken): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

let modelId: string;
let otherModelId: string;
let platformId: string;
const modelName = `Moderada ${suffix}`;
/** A platform of our own on the demo driver with X's caption room: 150 characters, so 72 once the link and marker are reserved. */
const platformName = `modplat${suffix}`;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, role: 'web' });
  const inserted = await db().insert(models)
    .values([{ name: modelName, distribution: { ...defaultDistributionRules } }, { name: `Otra ${suffix}`, distribution: { ...defaultDistributionRules } }])
    .returning({ id: models.id });
  [modelId, otherModelId] = inserted.map((r) => r.id) as [string, string];
  const [platform] = await db().insert(platforms)
    .values({ name: platformName, capabilities: { ...capabilitiesFor('demo'), maxCaptionLength: 150 }, technicalConfig: { driver: 'demo', baseUrl: stack.demo.url } })
    .returning({ id: platforms.id });
  platformId = platform!.id;
});
afterAll(async () => {
  if (stack) await db().delete(moderationRules).where(sql`${moderationRules.modelId} in (${modelId}, ${otherModelId}) or ${moderationRules.platformId} = ${platformId}`);
  await stack?.close();
});

const rulesOfOurs = async () => db().select().from(moderationRules)
  .where(sql`${moderationRules.modelId} in (${modelId}, ${otherModelId}) or ${moderationRules.platformId} = ${platformId}`);

async function ruleEvents(value: string) {
  return db().select().from(systemEvents)
    .where(and(eq(systemEvents.type, 'moderation_rule_changed'), sql`${systemEvents.data}->>'value' = ${value}`))
    .orderBy(systemEvents.id);
}

describe('moderation rules CRUD', () => {
  it('creates, lists, filters, edits and deletes a rule, recording each change with its actor', async () => {
    // A named token, so the events name who did it.
    const tokenName = `moderador-${suffix}`;
    const token = await call('POST', '/api/tokens', { name: tokenName });
    expect(token.status).toBe(201);
    const named = token.body.token as string;

    const word = `gratis${suffix}`;
    const created = await call('POST', '/api/moderation-rules', {
      kind: 'banned_word', value: `  ${word}  `, note: '  La plataforma lo penaliza ', platformId, modelId,
    }, named);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'banned_word', value: word, note: 'La plataforma lo penaliza', active: true,
      platformId, platform: platformName, modelId, modelName, createdBy: tokenName,
    });
    expect(Date.parse(created.body.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    const id = created.body.id as string;

    // Studio-wide and per-platform rules too, to see the order and the filters.
    const everywhere = await call('POST', '/api/moderation-rules', { kind: 'required_tag', value: `#ad${suffix}`, modelId: null, platformId: null, active: false });
    expect(everywhere.status).toBe(201);
    expect(everywhere.body).toMatchObject({ platformId: null, platform: null, modelId: null, modelName: null, active: false, note: null, createdBy: 'api' });
    const onPlatform = await call('POST', '/api/moderation-rules', { kind: 'max_mentions', value: '3', platformId });
    expect(onPlatform.status).toBe(201);
    const forOther = await call('POST', '/api/moderation-rules', { kind: 'pattern', value: `t\\.me/${suffix}`, modelId: otherModelId });
    expect(forOther.status).toBe(201);

    const all = await call('GET', '/api/moderation-rules');
    expect(all.status).toBe(200);
    const ids = (all.body.items as Json[]).map((r) => r.id);
    for (const rule of [created, everywhere, onPlatform, forOther]) expect(ids).toContain(rule.body.id);
    // Studio-wide first, then per platform, then per model.
    const position = (ruleId: string) => ids.indexOf(ruleId);
    expect(position(everywhere.body.id)).toBeLessThan(position(onPlatform.body.id));
    expect(position(onPlatform.body.id)).toBeLessThan(position(id));
    for (const rule of all.body.items as Json[]) {
      if (rule.modelId === null && rule.platformId === null) expect(position(rule.id)).toBeLessThan(position(onPlatform.body.id));
    }

    // The rules that can apply to our model: hers and the "every model" ones, never the other model's.
    const mine = ((await call('GET', `/api/moderation-rules?modelId=${modelId}`)).body.items as Json[]).map((r) => r.id);
    expect(mine).toEqual(expect.arrayContaining([id, everywhere.body.id, onPlatform.body.id]));
    expect(mine).not.toContain(forOther.body.id);
    const onOurPlatform = ((await call('GET', `/api/moderation-rules?platformId=${platformId}&modelId=${otherModelId}`)).body.items as Json[]).map((r) => r.id);
    expect(onOurPlatform).toEqual(expect.arrayContaining([everywhere.body.id, onPlatform.body.id, forOther.body.id]));
    expect(onOurPlatform).not.toContain(id);
    expect((await call('GET', '/api/moderation-rules?modelId=nope')).body.fields).toHaveProperty('modelId');

    const edited = await call('PATCH', `/api/moderation-rules/${id}`, { value: `${word}2`, platformId: null, note: '', active: false }, named);
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id, value: `${word}2`, platformId: null, platform: null, note: null, active: false, modelId, createdBy: tokenName });
    expect(Date.parse(edited.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(edited.body.createdAt));
    // Nothing changed: no event.
    expect((await call('PATCH', `/api/moderation-rules/${id}`, { active: false })).status).toBe(200);

    const deleted = await call('DELETE', `/api/moderation-rules/${id}`, undefined, named);
    expect(deleted.status).toBe(204);
    expect(((await call('GET', '/api/moderation-rules')).body.items as Json[]).map((r) => r.id)).not.toContain(id);
    expect((await call('PATCH', `/api/moderation-rules/${id}`, { active: true })).status).toBe(404);
    expect((await call('DELETE', `/api/moderation-rules/${id}`)).status).toBe(404);

    const created_ = await ruleEvents(word);
    expect(created_).toHaveLength(1);
    expect(created_[0]).toMatchObject({
      actor: tokenName, modelId,
      data: { action: 'created', kind: 'banned_word', value: word, platform: platformName, modelName },
    });
    expect(created_[0]!.description).toContain(word);
    const later = await ruleEvents(`${word}2`);
    expect(later.map((e) => [e.actor, (e.data as Json).action, (e.data as Json).platform])).toEqual([
      [tokenName, 'updated', null],
      [tokenName, 'deleted', null],
    ]);
    expect((await ruleEvents(`#ad${suffix}`))[0]).toMatchObject({ actor: 'api', modelId: null, data: { action: 'created', platform: null, modelName: null } });

    for (const rule of [everywhere, onPlatform, forOther]) expect((await call('DELETE', `/api/moderation-rules/${rule.body.id}`)).status).toBe(204);
  });
});

describe('bad input names the field and stores nothing', () => {
  it('400 invalid_rule naming `value`: an expression that does not compile, nested quantifiers, a maximum that is no number', async () => {
    const before = (await rulesOfOurs()).length;
    for (const [kind, value, problem] of [
      ['pattern', '(unclosed', /not a valid regular expression/],
      ['pattern', '(a+)+$', /nested quantifiers/],
      ['pattern', '((\\w+))*x', /nested quantifiers/],
      ['max_mentions', 'tres', /whole number/],
      ['required_tag', '#mi anuncio', /hashtag/],
      ['banned_word', '   ', /empty/],
      ['banned_word', 'a'.repeat(201), /200/],
    ] as const) {
      const answer = await call('POST', '/api/moderation-rules', { kind, value, modelId });
      expect(answer.status, `${kind} ${value}`).toBe(400);
      expect(answer.body.error).toBe('invalid_rule');
      expect(answer.body.fields.value, `${kind} ${value}`).toMatch(problem);
      expect(answer.body.message).toMatch(/^value: /);
    }
    // A kind changed under a value it cannot take is refused the same way.
    const rule = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: `promo${suffix}`, modelId });
    const edited = await call('PATCH', `/api/moderation-rules/${rule.body.id}`, { kind: 'max_mentions' });
    expect(edited.status).toBe(400);
    expect(edited.body.fields).toHaveProperty('value');
    const badPattern = await call('PATCH', `/api/moderation-rules/${rule.body.id}`, { kind: 'pattern', value: '(x*)*' });
    expect(badPattern.body.fields.value).toMatch(/nested quantifiers/);
    expect((await rulesOfOurs()).map((r) => [r.kind, r.value])).toContainEqual(['banned_word', `promo${suffix}`]);
    expect((await call('DELETE', `/api/moderation-rules/${rule.body.id}`)).status).toBe(204);
    expect((await rulesOfOurs()).length).toBe(before);
  });

  it('404 naming `platformId` / `modelId` for a platform or model that does not exist', async () => {
    const noPlatform = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'x', platformId: unknownId });
    expect(noPlatform.status).toBe(404);
    expect(noPlatform.body).toMatchObject({ error: 'unknown_platform', fields: { platformId: expect.any(String) } });
    const noModel = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'x', modelId: unknownId });
    expect(noModel.status).toBe(404);
    expect(noModel.body).toMatchObject({ error: 'unknown_model', fields: { modelId: expect.any(String) } });
    const rule = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: `otra${suffix}`, modelId });
    const moved = await call('PATCH', `/api/moderation-rules/${rule.body.id}`, { platformId: unknownId });
    expect(moved.status).toBe(404);
    expect(moved.body.fields).toHaveProperty('platformId');
    expect((await call('DELETE', `/api/moderation-rules/${rule.body.id}`)).status).toBe(204);
    expect(await ruleEvents('x')).toEqual([]);
  });

  it('400 from the schema naming the field: an unknown kind, a note too long, a platformId that is no uuid', async () => {
    const kind = await call('POST', '/api/moderation-rules', { kind: 'emoji', value: 'x' });
    expect(kind.status).toBe(400);
    expect(kind.body.fields).toHaveProperty('kind');
    const note = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'x', note: 'n'.repeat(501) });
    expect(note.body.fields).toHaveProperty('note');
    const platform = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'x', platformId: 'demo' });
    expect(platform.body.fields).toHaveProperty('platformId');
    const missing = await call('POST', '/api/moderation-rules', { kind: 'banned_word' });
    expect(missing.body.fields).toHaveProperty('value');
  });

  it(`409 too_many_rules past ${MODERATION_RULE_LIMIT} rules in the studio`, async () => {
    const [{ n }] = (await db().select({ n: sql<number>`count(*)::int` }).from(moderationRules)) as [{ n: number }];
    const missing = MODERATION_RULE_LIMIT - n;
    // Inactive rules of the other model: nothing else anywhere checks them.
    if (missing > 0) {
      await db().insert(moderationRules).values(Array.from({ length: missing }, (_, i) => ({
        kind: 'banned_word' as const, value: `relleno${i}`, modelId: otherModelId, active: false, createdBy: 'test',
      })));
    }
    try {
      const refused = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: `uno-mas${suffix}`, modelId });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toBe('too_many_rules');
      expect(refused.body.message).toContain(String(MODERATION_RULE_LIMIT));
    } finally {
      await db().delete(moderationRules).where(and(eq(moderationRules.modelId, otherModelId), eq(moderationRules.createdBy, 'test')));
    }
    expect((await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: `uno-mas${suffix}`, modelId, active: false })).status).toBe(201);
  });
});

describe('POST /api/moderation-rules/check', () => {
  it('answers the usage against the platform\'s effective limits and the violations of the rules that apply', async () => {
    const banned = await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'gratis', platformId, modelId });
    // Rules that must not apply: another model's, and an inactive one.
    await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'show', modelId: otherModelId });
    await call('POST', '/api/moderation-rules', { kind: 'banned_word', value: 'hoy', modelId, active: false });

    const short = await call('POST', '/api/moderation-rules/check', { modelId, platform: platformName, caption: 'Show GRATIS hoy', tags: ['live'] });
    expect(short.status).toBe(200);
    expect(short.body.usage).toMatchObject({ characters: 'Show GRATIS hoy'.length + 2 + '#live'.length, maxCharacters: 150 - 78, hashtags: 1, linksAllowed: true });
    expect(short.body.violations).toEqual([
      { code: 'banned_word', overridable: true, ruleId: banned.body.id, params: { word: 'gratis' }, message: '"gratis" is banned' },
    ]);

    const long = await call('POST', '/api/moderation-rules/check', { modelId, platform: platformName, caption: `Show gratis ${'a'.repeat(80)}` });
    expect(long.body.violations.map((v: Json) => v.code)).toEqual(['too_long', 'banned_word']);
    expect(long.body.violations[0]).toMatchObject({ overridable: false, params: { characters: 92, max: 72 } });

    // The same caption elsewhere: the platform's rule does not apply, its limits are the demo driver's.
    const elsewhere = await call('POST', '/api/moderation-rules/check', { modelId, platform: 'demo', caption: 'Show gratis' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.violations).toEqual([]);
    const demo = ((await call('GET', '/api/platforms')).body.items as Json[]).find((p) => p.name === 'demo')!;
    expect(elsewhere.body.usage).toMatchObject({
      maxCharacters: demo.capabilities.maxCaptionLength - (demo.capabilities.linksAllowed ? 78 : 17), maxHashtags: demo.capabilities.maxHashtags,
    });
  });

  it('404 naming `modelId` or `platform`', async () => {
    const noModel = await call('POST', '/api/moderation-rules/check', { modelId: unknownId, platform: platformName, caption: 'x' });
    expect(noModel.status).toBe(404);
    expect(noModel.body.fields).toHaveProperty('modelId');
    const noPlatform = await call('POST', '/api/moderation-rules/check', { modelId, platform: 'nowhere', caption: 'x' });
    expect(noPlatform.status).toBe(404);
    expect(noPlatform.body.fields).toHaveProperty('platform');
  });

  it('is behind auth', async () => {
    const response = await fetch(`${stack.url}/api/moderation-rules`);
    expect(response.status).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents every moderation route under its tag, with the contracts\' schemas', async () => {
    const doc = (await call('GET', '/api/openapi.json')).body;
    const ops: [string, string][] = [
      ['/api/moderation-rules', 'get'], ['/api/moderation-rules', 'post'], ['/api/moderation-rules/check', 'post'],
      ['/api/moderation-rules/{id}', 'patch'], ['/api/moderation-rules/{id}', 'delete'],
    ];
    for (const [path, method] of ops) {
      const op = doc.paths[path]?.[method] as Json;
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['moderation']);
      expect(op.summary).toBeTruthy();
      const clientError = Object.entries(op.responses as Json).find(([code]) => code.startsWith('4'))![1] as Json;
      expect(clientError.content['application/json'].schema).toMatchObject({ properties: { error: { type: 'string' }, message: { type: 'string' } } });
    }
    expect(doc.paths['/api/moderation-rules'].post.requestBody.content['application/json'].schema).toMatchObject({
      required: ['kind', 'value'],
      properties: { kind: { enum: ['banned_word', 'pattern', 'required_tag', 'max_mentions'] } },
    });
    expect(doc.paths['/api/moderation-rules'].get.responses['200'].content['application/json'].schema).toMatchObject({
      properties: { items: { items: { required: expect.arrayContaining(['id', 'kind', 'value', 'platform', 'modelName', 'createdBy']) } } },
    });
    expect(doc.paths['/api/moderation-rules/check'].post.responses['200'].content['application/json'].schema).toMatchObject({
      properties: { usage: { properties: { maxCharacters: { type: 'integer' } } }, violations: { type: 'array' } },
    });
    expect(doc.paths['/api/moderation-rules/{id}'].delete.responses['204']).toMatchObject({ description: 'deleted' });
    expect(doc.paths['/api/moderation-rules/{id}'].patch.parameters.find((p: Json) => p.name === 'id')).toMatchObject({ in: 'path', required: true });
  });
});
