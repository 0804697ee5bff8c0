/**
 * The Temporal dev server goes down mid-flight and comes back on the same SQLite file: a publication waiting on
 * its durable timer and a content waiting for approval both finish; an upload while it is down gets a clear 503
 * and leaves nothing behind.
 */
import { eq } from 'drizzle-orm';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultDistributionRules } from '../core/types.js';
import { eventsOf } from '../db/queries.js';
import { contents, models } from '../db/schema.js';
import { findTemporalCli, startTemporalDevServer, type TemporalDevServer } from '../scripts/temporal.js';
import { makeTestVideo } from './helpers/media.js';
import { freePort } from './helpers/ports.js';
import { getJson, startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
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
  const setRules = (patch: object) => db.update(models)
    .set({ distribution: { ...defaultDistributionRules, minSpacingMinutes: 0, maxPostsPerDay: 500, hashtags: ['webcam'], ...patch } })
    .where(eq(models.id, stack.seeded.modelId));
  const upload = async (context: string) => {
    const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'restart.mp4')));
    return uploadVideo(stack, { modelId: stack.seeded.modelId, context, file: { data: video, name: 'clip.mp4' } });
  };
  const publicationOf = (contentId: string, status: string) => waitFor(async () => {
    const { items } = await getJson<{ items: { id: string; status: string; workflowId: string }[] }>(stack, `/api/publications?contentId=${contentId}`);
    return items[0]?.status === status ? items[0] : undefined;
  }, { what: `a ${status} publication`, timeoutMs: 120_000 });
  const post = (path: string, body: unknown = {}) => fetch(`${stack.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  // In flight: one publication on its durable timer, one content waiting for a decision.
  const hour = (new Date().getUTCHours() + 12) % 24;
  await setRules({ timezone: 'UTC', slots: [`${String(hour).padStart(2, '0')}:00`] });
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
