/** Starts the whole product for a test: demo platform, app (all roles) and the quickstart seed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig } from '../../config.js';
import { startApp, type RunningApp } from '../../main.js';
import { startDemoPlatform, type DemoPlatform } from '../../demo/server.js';
import { seedDemo } from '../../scripts/seed.js';

export interface TestStack {
  app: RunningApp;
  demo: DemoPlatform;
  url: string;
  dataDir: string;
  apiToken: string;
  adminPassword: string;
  seeded: Awaited<ReturnType<typeof seedDemo>>;
  /** The environment the app was configured from, for starting more processes of the same deployment. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Lifecycle timings for tests: a dead worker is noticed in seconds, and one metrics read ends a publication
 * workflow. No session-health Schedule: every stack shares one namespace, and its checks would consume armed demo faults.
 */
export const testLifecycleEnv = {
  ACTIVITY_HEARTBEAT_SECONDS: '3', DB_ACTIVITY_TIMEOUT_SECONDS: '10', METRICS_POLL_SCHEDULE: '0s', SESSION_CHECK_INTERVAL: 'off',
};

export async function startTestStack(
  opts: { embedded: boolean; maxUploadMb?: number; env?: Record<string, string>; role?: 'all' | 'web' },
): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trafico-stack-'));
  const apiToken = randomBytes(18).toString('base64url');
  const adminPassword = 'admin-test-password';
  const demo = await startDemoPlatform({ port: 0, dataDir: join(dataDir, 'demo') });
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    ...(opts.embedded ? {} : { DATABASE_URL: inject('databaseUrl') }),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_UI_URL: inject('temporalUiUrl'),
    PORT: '0',
    API_TOKEN: apiToken,
    ADMIN_PASSWORD: adminPassword,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    MAX_UPLOAD_MB: String(opts.maxUploadMb ?? 500),
    LOG_LEVEL: 'warn',
    ...testLifecycleEnv,
    ...opts.env,
  };
  const config = loadConfig(env);
  const app = await startApp(config, opts.role ?? 'all');
  const seeded = await seedDemo(app.db.db, config, demo.url);
  return {
    app, demo, url: app.url!, dataDir, apiToken, adminPassword, seeded, env,
    async close() {
      await app.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST /api/contents as a client would (multipart). */
export async function uploadVideo(
  stack: Pick<TestStack, 'url' | 'apiToken'>,
  fields: { modelId: string; context?: string; file?: { data: Buffer; name: string; type?: string } },
  token: string | null = stack.apiToken,
) {
  const form = new FormData();
  form.set('modelId', fields.modelId);
  if (fields.context) form.set('context', fields.context);
  if (fields.file) form.set('video', new Blob([new Uint8Array(fields.file.data)], { type: fields.file.type ?? 'video/mp4' }), fields.file.name);
  const response = await fetch(`${stack.url}/api/contents`, {
    method: 'POST',
    body: form,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson<T = Record<string, unknown>>(stack: Pick<TestStack, 'url' | 'apiToken'>, path: string): Promise<T> {
  const response = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
