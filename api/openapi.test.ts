// The whole API app (buildApi, every plugin and route) with stand-ins for the database and Temporal,
// which these checks never reach: the OpenAPI document and its docs page behind auth, the public routes
// that stay public, the start-up gate of /healthz, and validation errors that name the field.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../config.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import type { ApiDeps } from './plugins/deps.js';
import { buildApi } from './server.js';

const token = 'openapi-test-token-0123456789';
const password = 'openapi-admin-pw';
const auth = { authorization: `Bearer ${token}` };
const someId = '5f0c8a9e-3b1d-4c2a-9e7f-1a2b3c4d5e6f';

/** A database and a Temporal client that answer the health checks as healthy (nothing else is called). */
function healthyStandIns(): Pick<ApiDeps, 'db' | 'temporal'> {
  const db = { execute: async () => [] };
  const temporal = {
    options: { namespace: 'default' },
    connection: { withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn() },
    workflowService: { getSystemInfo: async () => ({}), describeTaskQueue: async () => ({ pollers: [{ identity: 'worker' }] }) },
  };
  return { db: db as unknown as ApiDeps['db'], temporal: temporal as unknown as ApiDeps['temporal'] };
}

let dataDir: string;
let config: AppConfig;
let app: FastifyInstance;
/** Dashboard sessions live in the database: an embedded one for the login these checks do. */
let handle: DbHandle;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trafico-openapi-'));
  config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: token,
    ADMIN_PASSWORD: password,
    SESSION_SECRET: 'openapi-session-secret-0123456789abcdef',
    AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  handle = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
  app = await buildApi({ ...healthyStandIns(), db: handle.db, config, log: pino({ level: 'silent' }) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await handle?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function sessionCookie(): Promise<string> {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { password } });
  expect(login.statusCode).toBe(303);
  return login.cookies.find((c) => c.name === 'trafico_session')!.value;
}

/**
 * Every route Fastify registered, as `METHOD /path`, read back from its route tree (printRoutes prints one
 * line per node: the segment added to its parent's path, then its methods).
 */
function registeredRoutes(instance: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of instance.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    for (const method of match[3]!.split(', ')) routes.push(`${method} ${path}`);
  }
  return routes;
}

interface Operation {
  tags?: string[];
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
  security: Record<string, string[]>[];
}

describe('GET /api/openapi.json', () => {
  it('is behind the same auth as the rest of /api (bearer token or dashboard session)', async () => {
    expect((await app.inject({ url: '/api/openapi.json' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/openapi.json', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    const withToken = await app.inject({ url: '/api/openapi.json', headers: auth });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.headers['content-type']).toContain('application/json');
    const withSession = await app.inject({ url: '/api/openapi.json', cookies: { trafico_session: await sessionCookie() } });
    expect(withSession.statusCode).toBe(200);
  });

  it('is an OpenAPI 3 document naming every registered /api route, each tagged, with its params, body and replies', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json', headers: auth })).json() as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBe('100-Tráfico API');
    expect(doc.info.version).toBeTruthy();

    // Every /api route Fastify serves is documented, and nothing else (the docs routes themselves aside).
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = registeredRoutes(app)
      .filter((r) => !r.startsWith('HEAD ') && / \/api\//.test(r) && !/ \/api\/(docs|openapi\.json)/.test(r))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'));
    expect(served.length).toBeGreaterThanOrEqual(22);
    // Outside /api: the health check, the OAuth callback providers send the admin back to, and the tracking links.
    const outsideApi = [
      'GET /healthz', 'GET /metrics', 'GET /oauth/callback/{platform}', 'GET /t/{code}', 'HEAD /t/{code}', 'GET /t/{code}/{ref}', 'HEAD /t/{code}/{ref}',
      'GET /media/instagram/{publicationId}/{expiresAt}/{signature}.mp4', 'HEAD /media/instagram/{publicationId}/{expiresAt}/{signature}.mp4',
    ];
    expect([...documented].filter((r) => !outsideApi.includes(r)).sort()).toEqual([...new Set(served)].sort());
    for (const route of [
      'POST /api/contents', 'GET /api/contents/{id}', 'POST /api/contents/{id}/approve', 'POST /api/contents/{id}/reject',
      'GET /api/publications', 'GET /api/publications/counts', 'POST /api/publications/{id}/reschedule',
      'POST /api/publications/{id}/publish-now', 'POST /api/publications/{id}/cancel', 'POST /api/publications/{id}/retry',
      'GET /api/publications/{id}/evidence', 'GET /api/publications/{id}/evidence/{attempt}/{file}',
      'GET /api/accounts', 'POST /api/accounts/{id}/pause', 'POST /api/accounts/{id}/resume', 'POST /api/accounts/{id}/session',
      'PUT /api/accounts/{id}/browser-profile', 'POST /api/accounts/{id}/check', 'POST /api/accounts/{id}/login',
      'POST /api/models/{id}/telegram-link', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /healthz',
      'POST /api/accounts/{id}/credentials', 'GET /api/accounts/{id}/connect', 'GET /oauth/callback/{platform}',
    ]) {
      expect(documented, route).toContain(route);
    }

    const tagNames = doc.tags.map((t) => t.name);
    expect(tagNames).toEqual(expect.arrayContaining(['contents', 'publications', 'evidence', 'accounts', 'models', 'auth', 'health']));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'session']);
    expect(doc.security).toEqual([{ bearer: [] }, { session: [] }]);

    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.tags, where).toHaveLength(1);
        expect(tagNames, where).toContain(op.tags![0]);
        expect(op.summary, where).toBeTruthy();
        // Every {param} of the path is a required path parameter with a schema.
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          const param = op.parameters?.find((p) => p.in === 'path' && p.name === name);
          expect(param, `${where}: path parameter ${name}`).toMatchObject({ required: true, schema: expect.any(Object) });
        }
        for (const p of op.parameters ?? []) expect(p.schema, `${where}: ${p.name}`).toBeTypeOf('object');
        // Replies: each has a description, errors are `{ error, message }` (/healthz answers its checks with 503), and
        // the success reply has a schema (a redirect or a file only describes itself).
        const codes = Object.keys(op.responses);
        expect(codes.some((c) => /^[23]/.test(c)), where).toBe(true);
        for (const [code, response] of Object.entries(op.responses)) {
          expect(response.description, `${where} ${code}`).toBeTruthy();
          if (/^[45]/.test(code) && path !== '/healthz') {
            expect(response.content?.['application/json']?.schema, `${where} ${code}`).toMatchObject({
              properties: { error: { type: 'string' }, message: { type: 'string' } },
            });
          }
        }
        const success = codes.find((c) => c.startsWith('2'));
        // A file or a picture (the evidence files, the watermark preview) describes itself as binary content instead.
        // Prometheus' text (GET /metrics) is plain text.
        const binary = Object.entries(op.responses[success ?? '']?.content ?? {}).some(([type, c]) => (c.schema as { format?: string } | undefined)?.format === 'binary' || type === 'text/plain');
        // 204 No Content has no body to describe (DELETE /api/moderation-rules/{id}).
        if (success && success !== '204' && !binary) {
          expect(op.responses[success]!.content?.['application/json']?.schema, `${where} ${success}`).toBeTypeOf('object');
        }
      }
    }

    // Public routes say so; the rest inherit the document's bearer-or-session security.
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/api/auth/login']!.post!.security).toEqual([]);
    expect(doc.paths['/t/{code}/{ref}']!.get!.security).toEqual([]);
    expect(doc.paths['/api/publications']!.get!.security).toBeUndefined();
    // Prometheus scrapes with the metrics bearer token only (never the session).
    expect(doc.paths['/metrics']!.get!.security).toEqual([{ bearer: [] }]);

    // The schemas are the contracts' own: spot checks of query, params, bodies and replies.
    const list = doc.paths['/api/publications']!.get!;
    expect(list.parameters!.find((p) => p.name === 'status')!.schema).toMatchObject({
      type: 'string', enum: ['scheduled', 'held', 'processing', 'published', 'failed', 'canceled', 'unconfirmed', 'published_as_draft'],
    });
    expect(list.responses['200']!.content!['application/json']!.schema).toMatchObject({
      required: expect.arrayContaining(['items', 'temporalUiUrl', 'temporalNamespace']),
    });
    expect(doc.paths['/api/publications/counts']!.get!.responses['200']!.content!['application/json']!.schema).toMatchObject({
      properties: { counts: { required: expect.arrayContaining(['scheduled', 'failed', 'unconfirmed']) }, total: { type: 'integer' } },
    });
    expect(doc.paths['/api/publications/{id}/reschedule']!.post!.requestBody!.content['application/json']!.schema).toMatchObject({
      required: ['scheduledTime'], properties: { scheduledTime: { type: 'string', format: 'date-time' } },
    });
    expect(doc.paths['/api/contents/{id}']!.get!.parameters!.find((p) => p.name === 'id')!.schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect(doc.paths['/api/contents']!.post!.requestBody!.content['multipart/form-data']!.schema).toMatchObject({
      required: expect.arrayContaining(['video', 'modelId']), properties: { video: { type: 'string', format: 'binary' } },
    });
    expect(doc.paths['/api/accounts/{id}/session']!.post!.requestBody!.content['multipart/form-data']!.schema).toMatchObject({
      properties: { file: { type: 'string', format: 'binary' } },
    });
    expect(doc.paths['/api/accounts']!.get!.responses['200']!.content!['application/json']!.schema).toMatchObject({
      properties: { items: { items: { properties: { browserProfile: { properties: { proxy: { type: 'string', nullable: true } } } } } } },
    });
    expect(doc.paths['/api/publications/{id}/evidence/{attempt}/{file}']!.get!.parameters!.find((p) => p.name === 'file')!.schema).toMatchObject({
      enum: ['trace.zip', 'screenshot.png', 'page.html', 'info.json'],
    });

    // Every $ref points at something in the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('/api/docs', () => {
  it('serves the Swagger UI page and its assets from this server, behind auth', async () => {
    for (const url of ['/api/docs', '/api/docs/', '/api/docs/json', '/api/docs/static/swagger-ui-bundle.js', '/api/docs/static/swagger-initializer.js']) {
      expect((await app.inject({ url })).statusCode, url).toBe(401);
    }
    const page = await app.inject({ url: '/api/docs/', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<div id="swagger-ui">');
    // Local assets only: no CDN.
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) expect(source, source).not.toMatch(/^(https?:)?\/\//);
    expect((await app.inject({ url: '/api/docs', headers: auth })).statusCode).toBe(200);

    const bundle = await app.inject({ url: '/api/docs/static/swagger-ui-bundle.js', headers: auth });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toContain('javascript');
    expect(bundle.body.length).toBeGreaterThan(100_000);

    // The page reads the same document as /api/openapi.json.
    const json = await app.inject({ url: '/api/docs/json', cookies: { trafico_session: await sessionCookie() } });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual((await app.inject({ url: '/api/openapi.json', headers: auth })).json());
  });
});

describe('public routes stay public', () => {
  it('answers /healthz and the login form without credentials', async () => {
    const health = await app.inject({ url: '/healthz' });
    expect([200, 503]).toContain(health.statusCode);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { password: 'wrong-password' } });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toContain('/login?error=1');
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(logout.statusCode).toBe(303);
  });
});

describe('GET /healthz start-up gate', () => {
  it('answers 503 `starting` (with the checks) until start-up is marked finished, then 200', async () => {
    const fresh = await buildApi({ ...healthyStandIns(), config, log: pino({ level: 'silent' }) });
    try {
      const components = { db: 'ok', temporal: 'ok', workers: 'ok', disk: 'ok' };
      const before = await fresh.inject({ url: '/healthz' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toEqual({ status: 'starting', components });
      fresh.readiness.markReady();
      const after = await fresh.inject({ url: '/healthz' });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual({ status: 'ok', components });
      // The admin's answer: every check's details.
      expect((await fresh.inject({ url: '/healthz', headers: auth })).json()).toEqual({
        status: 'ok', components, db: { ok: true }, temporal: { ok: true },
        workers: { pipeline: { ok: true, pollers: 1 }, media: { ok: true, pollers: 1 }, browser: { ok: true, pollers: 1 }, api: { ok: true, pollers: 1 } },
        disk: { ok: true, freeBytes: expect.any(Number), totalBytes: expect.any(Number), minFreeBytes: config.storage.minFreeDiskBytes },
        clicks: { buffered: 0, stored: 0, dropped: 0, lastFlushAt: null },
      });
    } finally {
      await fresh.close();
    }
  });
});

describe('bad input', () => {
  it('gets a 400 naming the field, before any service runs', async () => {
    const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) });
    const cases: [Awaited<ReturnType<typeof post>>, string][] = [
      [await post(`/api/publications/${someId}/reschedule`, { scheduledTime: 'mañana' }), 'scheduledTime'],
      [await post(`/api/publications/${someId}/reschedule`, {}), 'scheduledTime'],
      [await post('/api/publications/not-a-uuid/retry'), 'id'],
      [await post(`/api/contents/${someId}/reject`, {}), 'reason'],
      [await post(`/api/contents/${someId}/approve`, { captions: { demo: { caption: '' } } }), 'caption'],
      [await post(`/api/accounts/${someId}/login`, { username: 'demo' }), 'password'],
      [await post(`/api/models/${someId}/telegram-link`, { ttlHours: -1 }), 'ttlHours'],
      [await app.inject({ url: '/api/publications?status=lost', headers: auth }), 'status'],
      [await app.inject({ method: 'PUT', url: `/api/accounts/${someId}/browser-profile`, headers: auth, payload: { viewport: { width: 10, height: 900 } } }), 'width'],
    ];
    for (const [res, field] of cases) {
      expect(res.statusCode, `${field}: ${res.body}`).toBe(400);
      expect(res.json(), res.body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining(field) });
    }
  });
});
