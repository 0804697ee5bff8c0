/**
 * Determinism: workflow histories replay against the current workflow code without non-determinism errors.
 * - Histories committed under test/fixtures/histories (recorded from an end-to-end run) guard running
 *   workflows: a change that would break them fails CI. Re-record on purpose with RECORD_HISTORIES=1
 *   only when old runs can no longer exist (or after adding patches).
 * - Histories recorded in this very run (auto-approve → publish → metrics, approval with a caption edit,
 *   reject, reschedule then cancel, an official-API account connected and publishing on the api queue) replay too.
 */
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DistributionRules } from '../core/types.js';
import { eventsOf } from '../db/events.js';
import { workflowBundle } from '../worker/index.js';
import { postJson, publicationOf as publicationOfContent, setModelRules, slotFarAway, uploadClip } from './helpers/lifecycle.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startFakeBluesky, type FakeBluesky } from './fakes/bluesky-server.js';
import { api as apiCall, createApiAccount, publishClip, waitForStatus } from './helpers/api-platform.js';
import { sessionCheckWorkflowId } from '../contracts/workflows.js';

const fixturesDir = fileURLToPath(new URL('./fixtures/histories', import.meta.url));
const { History } = temporal.api.history.v1;
// protobufjs' own JSON form (enum names, 64-bit numbers as strings, bytes as base64) round-trips exactly.
const toJson = (history: temporal.api.history.v1.IHistory) =>
  JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1);
const fromJson = (text: string) => History.fromObject(JSON.parse(text));
let stack: TestStack;

let bsky: FakeBluesky;

beforeAll(async () => {
  bsky = await startFakeBluesky();
  stack = await startTestStack({ embedded: false, env: { BLUESKY_SERVICE: bsky.url, BLUESKY_VIDEO_SERVICE: bsky.videoUrl } });
});
afterAll(async () => {
  await stack?.close();
  await bsky?.close();
});

async function replay(histories: { workflowId: string; history: unknown }[]) {
  const bundle = await workflowBundle();
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failures };
}

it('committed histories replay against the current workflow code', async () => {
  const files = readdirSync(fixturesDir).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(4);
  const histories = files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: fromJson(readFileSync(join(fixturesDir, file), 'utf8')) }));
  const { replayed, failures } = await replay(histories);
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});

it('histories of this run (every lifecycle path) replay without non-determinism', async () => {
  const db = stack.app.db.db;
  const setRules = (patch: Partial<DistributionRules> = {}) => setModelRules(stack, patch);
  const upload = async (context: string) => (await uploadClip(stack, context)).body.id as string;
  const api = (path: string, body: unknown = {}) => postJson(stack, path, body);
  const publicationOf = (contentId: string, status: string) => publicationOfContent(stack, contentId, [status]);
  const recorded: Record<string, string> = {};

  await setRules({});
  const auto = await upload('replay: auto');
  const autoPublication = await publicationOf(auto, 'published');
  await stack.app.temporal.workflow.getHandle(autoPublication.workflowId).result();
  recorded['content-auto-approved'] = `content-${auto}`;
  recorded['publication-published-with-metrics'] = autoPublication.workflowId;

  await setRules({ approvalRequired: true, approvalReminderHours: 1 / 3600 });
  const approved = await upload('replay: approved');
  await waitFor(async () => (await eventsOf(db, { contentId: approved })).some((e) => e.type === 'approval_reminder'), { what: 'a reminder' });
  expect((await api(`/api/contents/${approved}/approve`, { captions: { demo: { caption: 'editado' } } })).status).toBe(202);
  await publicationOf(approved, 'published');
  recorded['content-approved-with-edit'] = `content-${approved}`;

  const rejected = await upload('replay: rejected');
  await waitFor(async () => (await eventsOf(db, { contentId: rejected })).some((e) => e.type === 'approval_requested'), { what: 'approval requested' });
  expect((await api(`/api/contents/${rejected}/reject`, { reason: 'no' })).status).toBe(202);
  await stack.app.temporal.workflow.getHandle(`content-${rejected}`).result();
  recorded['content-rejected'] = `content-${rejected}`;

  await setRules(slotFarAway());
  const later = await upload('replay: canceled');
  const scheduled = await publicationOf(later, 'scheduled');
  expect((await api(`/api/publications/${scheduled.id}/reschedule`, { scheduledTime: new Date(Date.now() + 3 * 3_600_000).toISOString() })).status).toBe(202);
  await waitFor(async () => (await eventsOf(db, { publicationId: scheduled.id })).some((e) => e.type === 'publication_rescheduled'), { what: 'the reschedule' });
  expect((await api(`/api/publications/${scheduled.id}/cancel`)).status).toBe(202);
  await stack.app.temporal.workflow.getHandle(scheduled.workflowId).result();
  recorded['publication-rescheduled-then-canceled'] = scheduled.workflowId;
  await setRules({});

  // An official-API account: connected through a session-check workflow (the worker exchanges the credentials), then a
  // publication whose publish and metrics activities run on the api queue.
  const person = bsky.addAccount({ handle: `replay${Date.now().toString(36)}.bsky.social` });
  const apiAccount = await createApiAccount(stack, 'bluesky', { username: person.handle });
  const connected = await apiCall(stack, 'POST', `/api/accounts/${apiAccount.accountId}/credentials`, { identifier: person.handle, appPassword: person.appPassword });
  expect(connected.status).toBe(200);
  const { executions } = await stack.app.temporal.workflowService.listWorkflowExecutions({
    namespace: stack.app.config.temporal.namespace, query: `WorkflowId STARTS_WITH '${sessionCheckWorkflowId(apiAccount.accountId, 'connect')}'`,
  });
  expect(executions).toHaveLength(1);
  recorded['session-check-connect-api'] = executions[0]!.execution!.workflowId!;
  const { publicationId: apiPublication } = await publishClip(stack, apiAccount.modelId, 'replay: api');
  expect((await waitForStatus(stack, apiPublication, ['published', 'failed'])).status).toBe('published');
  const apiWorkflowId = `publication-${apiPublication}`;
  await stack.app.temporal.workflow.getHandle(apiWorkflowId).result();
  recorded['publication-api-published-with-metrics'] = apiWorkflowId;

  const histories = [];
  for (const [name, workflowId] of Object.entries(recorded)) {
    const history = await stack.app.temporal.workflow.getHandle(workflowId).fetchHistory();
    histories.push({ workflowId, history });
    if (process.env.RECORD_HISTORIES === '1') {
      mkdirSync(fixturesDir, { recursive: true });
      writeFileSync(join(fixturesDir, `${name}.json`), toJson(history));
    }
  }
  const { replayed, failures } = await replay(histories);
  expect(failures).toEqual([]);
  expect(replayed).toBe(Object.keys(recorded).length);
});
