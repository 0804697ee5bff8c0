/**
 * Tracking-link tests: the real API (buildApi: every plugin, hook and header of production) listening on loopback
 * against the run's PostgreSQL, and accounts of their own to click. The test database is shared by every test file,
 * so names carry a per-run suffix and tests read back only their own accounts' rows.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { ApiDeps } from '../../api/plugins/deps.js';
import { buildApi } from '../../api/server.js';
import { loadConfig, type AppConfig } from '../../config.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { clicks, models, platformAccounts, platforms } from '../../db/schema.js';

export interface TrackingApp {
  app: FastifyInstance;
  url: string;
  config: AppConfig;
  close(): Promise<void>;
}

/** The API on 127.0.0.1 with `env` on top of a test configuration (e.g. TRUST_PROXY, CLICK_BUFFER_MAX). */
export async function startTrackingApp(
  db: Db,
  opts: { env?: Record<string, string>; clicks?: ApiDeps['clicks'] } = {},
): Promise<TrackingApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trafico-tracking-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    API_TOKEN: randomBytes(18).toString('base64url'),
    ADMIN_PASSWORD: 'tracking-admin-pw',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...opts.env,
  });
  // The tracking routes never reach Temporal.
  const app = await buildApi({ db, temporal: {} as ApiDeps['temporal'], config, log: pino({ level: 'silent' }), clicks: opts.clicks });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app, url, config,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A model on a platform of its own, for one test file's accounts. */
export async function createTrackingOwner(db: Db, name: string) {
  const [platform] = await db.insert(platforms)
    .values({ name, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' } })
    .returning();
  const [model] = await db.insert(models).values({ name, distribution: defaultDistributionRules }).returning();
  return { platformId: platform!.id, modelId: model!.id };
}

export async function createTrackedAccount(
  db: Db,
  owner: { platformId: string; modelId: string },
  values: { username: string; streamUrl?: string | null; profileUrl?: string | null },
) {
  const [account] = await db.insert(platformAccounts).values({
    modelId: owner.modelId, platformId: owner.platformId, username: values.username,
    streamUrl: values.streamUrl ?? null, profileUrl: values.profileUrl ?? null,
  }).returning();
  return account!;
}

/** One GET (or HEAD) of a tracking link, never following the redirect. */
export async function click(baseUrl: string, path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const response = await fetch(`${baseUrl}${path}`, { method, redirect: 'manual', headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The account's stored clicks, oldest first. */
export async function clicksOf(db: Db, accountId: string) {
  return db.select().from(clicks).where(eq(clicks.accountId, accountId)).orderBy(asc(clicks.id));
}
