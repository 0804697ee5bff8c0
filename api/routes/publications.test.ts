// GET /api/publications/counts on the real PostgreSQL of the test run: counted in SQL over every
// publication, not over the page the list answers (which stops at 200 rows by default).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config.js';
import type { PublicationCounts, PublicationList, PublicationStatus } from '../../contracts/api/publications.js';
import { publicationStatuses } from '../../contracts/api/statuses.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { insertPublications } from '../../db/publications.js';
import { contents, models, platformAccounts, platforms, publications } from '../../db/schema.js';
import type { ApiDeps } from '../plugins/deps.js';
import { buildApi } from '../server.js';

const token = 'counts-test-token-0123456789';
const auth = { authorization: `Bearer ${token}` };

let dataDir: string;
let handle: DbHandle;
let app: FastifyInstance;
/** What the test wrote into the shared test database, removed again afterwards so no other test sees it. */
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trafico-counts-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_NAMESPACE: 'studio-ns',
    TEMPORAL_UI_URL: 'http://temporal-ui.example:8233',
    API_TOKEN: token,
    ADMIN_PASSWORD: 'counts-admin-pw',
    SESSION_SECRET: 'counts-session-secret-0123456789abcdef',
    AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
  });
  handle = await openDatabase({ databaseUrl: config.databaseUrl });
  // These routes never reach Temporal.
  app = await buildApi({ db: handle.db, temporal: {} as ApiDeps['temporal'], config, log: pino({ level: 'silent' }) });
  await app.ready();
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await app?.close();
  await handle?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function counts(): Promise<PublicationCounts> {
  const res = await app.inject({ url: '/api/publications/counts', headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('GET /api/publications/counts', () => {
  it('counts every publication by status, far past the 200 rows the list answers', async () => {
    const before = await counts();
    expect(Object.keys(before.counts).sort()).toEqual([...publicationStatuses].sort());

    // 230 publications (one per content: one account), rows written straight through db/.
    const db = handle.db;
    const tag = randomBytes(4).toString('hex');
    const [platform] = await db.insert(platforms)
      .values({ name: `counts-${tag}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' } })
      .returning();
    const [model] = await db.insert(models).values({ name: `Counts ${tag}`, distribution: defaultDistributionRules }).returning();
    const [account] = await db.insert(platformAccounts)
      .values({ modelId: model!.id, platformId: platform!.id, username: `counts_${tag}` })
      .returning();
    cleanup.push(
      () => db.delete(platforms).where(eq(platforms.id, platform!.id)),
      () => db.delete(models).where(eq(models.id, model!.id)),
      () => db.delete(platformAccounts).where(eq(platformAccounts.id, account!.id)),
    );
    const plan: [PublicationStatus, number][] = [['scheduled', 120], ['published', 70], ['failed', 25], ['held', 10], ['unconfirmed', 5]];
    const statuses = plan.flatMap(([status, n]) => Array.from({ length: n }, () => status));
    const contentIds = statuses.map(() => randomUUID());
    cleanup.push(
      () => db.delete(contents).where(inArray(contents.id, contentIds)),
      () => db.delete(publications).where(inArray(publications.contentId, contentIds)),
    );
    await db.insert(contents).values(contentIds.map((id, i) => ({
      id, modelId: model!.id, filePath: `/tmp/counts-${tag}-${i}.mp4`, sentBy: 'test', status: 'approved' as const,
    })));
    await insertPublications(db, statuses.map((status, i) => ({
      contentId: contentIds[i]!, accountId: account!.id, status, idempotencyMarker: `counts-${tag}-${i}`,
      scheduledTime: new Date(Date.now() + i * 60_000),
    })));

    const after = await counts();
    const added = Object.fromEntries(publicationStatuses.map((s) => [s, after.counts[s] - before.counts[s]]));
    expect(added).toEqual({ scheduled: 120, held: 10, processing: 0, published: 70, failed: 25, canceled: 0, unconfirmed: 5, published_as_draft: 0 });
    expect(after.total - before.total).toBe(230);
    expect(after.total).toBe(Object.values(after.counts).reduce((a, b) => a + b, 0));

    // The list is a page: it cannot be what the overview counts.
    const list = await app.inject({ url: '/api/publications', headers: auth });
    expect((list.json() as PublicationList).items.length).toBe(200);
    expect(after.total).toBeGreaterThan(200);
  });

  it('names the Temporal namespace next to the Web UI URL for workflow links', async () => {
    const res = await app.inject({ url: '/api/publications?limit=1', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ temporalUiUrl: 'http://temporal-ui.example:8233', temporalNamespace: 'studio-ns' });
  });

  it('is behind auth', async () => {
    expect((await app.inject({ url: '/api/publications/counts' })).statusCode).toBe(401);
  });
});
