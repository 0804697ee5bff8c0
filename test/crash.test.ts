/**
 * Crash loop: a real worker process is SIGKILLed at a randomly chosen stage of the lifecycle (including right
 * after the final publish click or API call, while the platform's answer is still on its way), then started
 * again. Every workflow must complete and the platform must hold exactly one post per publication: the demo
 * platform through the browser, and Bluesky through its API (a record key derived from the publication).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findContent } from '../db/contents.js';
import { findPublication, publicationsOfContent } from '../db/publications.js';
import { startFakeBluesky, type FakeBluesky } from './fakes/bluesky-server.js';
import { api, createApiAccount } from './helpers/api-platform.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';
import { writeWorkflowBundle } from '../worker/index.js';

const iterations = Number(process.env.CRASH_ITERATIONS ?? 20);
const apiIterations = Number(process.env.API_CRASH_ITERATIONS ?? 10);

const killPoints = ['ingest', 'scheduled', 'processing', 'uploading', 'submitting', 'after_click', 'published'] as const;
type KillPoint = (typeof killPoints)[number];

let stack: TestStack;
let bsky: FakeBluesky;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  bsky = await startFakeBluesky();
  // Only the API runs in this process; every workflow and activity runs in the worker process we kill.
  stack = await startTestStack({ embedded: false, role: 'web', env: { BLUESKY_SERVICE: bsky.url, BLUESKY_VIDEO_SERVICE: bsky.videoUrl } });
  // Restarted workers load a prebuilt bundle instead of running webpack each time.
  const bundlePath = join(stack.dataDir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
  stack.env.WORKFLOW_BUNDLE_PATH = bundlePath;
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
  await bsky?.close();
});

/** One platform's side of the loop: how to arm "the post is made but the answer is lost", and the posts carrying a marker. */
interface Peer {
  modelId: string;
  armLostAnswer(): Promise<void>;
  disarm(): Promise<void>;
  postsWith(marker: string): Promise<{ id: string }[]>;
}

async function demoPosts() {
  const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; caption: string }[] };
  return posts;
}

const demoPeer = (): Peer => ({
  modelId: stack.seeded.modelId,
  async armLostAnswer() {
    const armed = await fetch(`${stack.demo.url}/__admin/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'no_confirmation', count: 1 }),
    });
    expect(armed.ok).toBe(true);
  },
  async disarm() {
    await fetch(`${stack.demo.url}/__admin/faults`, { method: 'DELETE' });
  },
  async postsWith(marker) {
    return (await demoPosts()).filter((p) => p.caption.includes(marker));
  },
});

/** How far one content has got, in kill-point order. */
async function stageOf(peer: Peer, contentId: string): Promise<{ stage: number; state: string }> {
  const [publication] = await publicationsOfContent(stack.app.db.db, contentId);
  if (!publication) return { stage: 0, state: 'no publication yet' };
  const state = `${publication.status}/${publication.publishStep ?? '-'}`;
  if (publication.status === 'published') return { stage: 6, state };
  if ((await peer.postsWith(publication.idempotencyMarker)).length > 0) return { stage: 5, state: `post created, ${state}` };
  const steps: Record<string, number> = { submitting: 4, unconfirmed: 4, uploading: 3 };
  const step = steps[publication.publishStep ?? ''];
  if (step) return { stage: step, state };
  return { stage: publication.status === 'processing' ? 2 : 1, state };
}

/** Waits until the lifecycle reaches the kill point (or passes it: some stages last milliseconds); returns what was observed. */
async function reach(peer: Peer, point: KillPoint, contentId: string): Promise<string> {
  const target = killPoints.indexOf(point);
  return waitFor(async () => {
    const { stage, state } = await stageOf(peer, contentId);
    return stage >= target ? state : undefined;
  }, { what: `kill point ${point}`, timeoutMs: 90_000, intervalMs: 5 });
}

async function crashLoop(peer: Peer, label: string, rounds: number) {
  worker ??= startWorkerProcess(stack.env);
  await worker.ready;
  const report: { point: KillPoint; observed: string; posts: number; attempts: number; restartMs: number; recoveryMs: number }[] = [];

  for (let i = 0; i < rounds; i++) {
    const point = killPoints[Math.floor(Math.random() * killPoints.length)]!;
    // Right after the click / API call: the platform creates the post but its answer never arrives.
    if (point === 'after_click') await peer.armLostAnswer();
    const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'crash.mp4')));
    const created = await uploadVideo(stack, { modelId: peer.modelId, context: `crash ${i} at ${point}`, file: { data: video, name: 'clip.mp4' } });
    expect(created.status).toBe(202);
    const contentId = created.body.id as string;

    const observed = await reach(peer, point, contentId);
    await worker.kill('SIGKILL');
    const killedAt = Date.now();
    await peer.disarm();
    worker = startWorkerProcess(stack.env);
    await worker.ready;
    const restartMs = Date.now() - killedAt;

    const result = await stack.app.temporal.workflow.getHandle(`content-${contentId}`).result();
    expect(result.status).toBe('scheduled');
    for (const { workflowId, publicationId } of result.publications) {
      const outcome = await stack.app.temporal.workflow.getHandle(workflowId).result();
      expect(outcome, `${label} iteration ${i} (${point}, observed ${observed})`).toMatchObject({ status: 'published' });
      const publication = (await findPublication(stack.app.db.db, publicationId))!;
      const posts = await peer.postsWith(publication.idempotencyMarker);
      expect(posts, `${label} iteration ${i} (${point}, observed ${observed})`).toHaveLength(1);
      expect(posts[0]!.id).toBe(publication.externalId);
      report.push({ point, observed, posts: posts.length, attempts: publication.attempts, restartMs, recoveryMs: Date.now() - killedAt });
    }
    expect((await findContent(stack.app.db.db, contentId))!.status).toBe('approved');
  }

  const byPoint = Object.fromEntries(killPoints.map((p) => [p, report.filter((r) => r.point === p).length]));
  console.log(`crash loop (${label}): ${report.length} publications after ${rounds} SIGKILLs, all published exactly once; kills per point ${JSON.stringify(byPoint)}`);
  console.table(report);
  expect(report).toHaveLength(rounds);
  expect(report.every((r) => r.posts === 1)).toBe(true);
}

it(`survives ${iterations} worker SIGKILLs at random stages with exactly one post per publication (browser, demo platform)`, async () => {
  await crashLoop(demoPeer(), 'demo', iterations);
}, iterations * 60_000);

it(`survives ${apiIterations} worker SIGKILLs at random stages with exactly one post per publication (API, Bluesky)`, async () => {
  worker ??= startWorkerProcess(stack.env);
  await worker.ready;
  const person = bsky.addAccount({ handle: `crash${Date.now().toString(36)}.bsky.social` });
  const { modelId, accountId } = await createApiAccount(stack, 'bluesky', { username: person.handle });
  const connected = await api(stack, 'POST', `/api/accounts/${accountId}/credentials`, { identifier: person.handle, appPassword: person.appPassword });
  expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in' } });
  await crashLoop({
    modelId,
    async armLostAnswer() {
      bsky.loseNextAnswer('com.atproto.repo.createRecord');
    },
    async disarm() {
      bsky.clearLostAnswers();
    },
    async postsWith(marker) {
      return bsky.records(person.did).filter((r) => String(r.value.text).includes(marker)).map((r) => ({ id: r.uri }));
    },
  }, 'bluesky', apiIterations);
}, apiIterations * 60_000 + 60_000);
