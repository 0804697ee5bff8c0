/**
 * The Temporal dev server goes down mid-flight and comes back on the same SQLite file: a publication waiting on
 * its durable timer and a content waiting for approval both finish; an upload while it is down gets a clear 503
 * and leaves nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DistributionRules } from '../core/types.js';
import { eventsOf } from '../db/events.js';
import { contents } from '../db/schema.js';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../scripts/temporal.js';
import { postJson, publicationOf as publicationOfContent, setModelRules, slotFarAway, uploadClip } from './helpers/lifecycle.js';
import { freePort } from './helpers/ports.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let temporalDir: string;
let server: TemporalDevServer;
let stack: TestStack;
let port: number;
let cliPath: string;

const startServer = () => startTemporalDevServer({ cliPath, dataDir: temporalDir, port, headless: true, logFile: join(temporalDir, 'temporal.log') });

beforeAll(async () => {
  temporalDir = mkdtempSync(join(tmpdir(), 'trafico-temporal-restart-'));
  cliPath = await findTemporalCli({ build: false });
  port = await freePort();
  server = await startServer();
  stack = await startTestStack({ embedded: false, env: { TEMPORAL_ADDRESS: server.address } });
});
afterAll(async () => {
  await stack?.close();
  await server?.stop();
  rmSync(temporalDir, { recursive: true, force: true });
});

it('loses nothing when the Temporal server restarts mid-flight', async () => {
  const db = stack.app.db.db;
  const setRules = (patch: Partial<DistributionRules> = {}) => setModelRules(stack, patch);
  const upload = (context: string) => uploadClip(stack, context);
  const publicationOf = (contentId: string, status: string) => publicationOfContent(stack, contentId, [status], 120_000);
  const post = async (path: string, body: unknown = {}) => postJson(stack, path, body);

  // In flight: one publication on its durable timer, one content waiting for a decision.
  await setRules(slotFarAway());
  const timed = (await upload('en espera del temporizador')).body.id as string;
  const scheduled = await publicationOf(timed, 'scheduled');
  await setRules({ approvalRequired: true });
  const waiting = (await upload('en espera de aprobación')).body.id as string;
  await waitFor(async () => (await eventsOf(db, { contentId: waiting })).some((e) => e.type === 'approval_requested'), { what: 'approval requested' });

  await server.stop();
  const contentsBefore = (await db.select().from(contents)).length;
  const refused = await upload('durante la caída');
  expect(refused).toMatchObject({ status: 503, body: { error: 'temporal_unavailable' } });
  expect((await db.select().from(contents)).length).toBe(contentsBefore);
  const incoming = join(stack.dataDir, 'media', 'incoming');
  expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);

  server = await startServer();
  // The workers and the client reconnect by themselves; the decisions reach the workflows that were waiting.
  await waitFor(async () => (await post(`/api/contents/${waiting}/approve`)).status === 202 || undefined, { what: 'Temporal to accept signals again', timeoutMs: 60_000 });
  expect((await post(`/api/publications/${scheduled.id}/publish-now`)).status).toBe(202);
  await publicationOf(timed, 'published');
  await publicationOf(waiting, 'published');
  await setRules({});
});
