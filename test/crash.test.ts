/**
 * Crash loop: a real worker process is SIGKILLed at a randomly chosen stage of the lifecycle (including right
 * after the final publish click, while the platform's answer is still on its way), then started again. Every
 * workflow must complete and the demo platform must hold exactly one post per publication.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findContent } from '../db/contents.js';
import { findPublication, publicationsOfContent } from '../db/publications.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';
import { writeWorkflowBundle } from '../worker/index.js';

const iterations = Number(process.env.CRASH_ITERATIONS ?? 20);

const killPoints = ['ingest', 'scheduled', 'processing', 'uploading', 'submitting', 'after_click', 'published'] as const;
type KillPoint = (typeof killPoints)[number];

let stack: TestStack;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  // Only the API runs in this process; every workflow and activity runs in the worker process we kill.
  stack = await startTestStack({ embedded: false, role: 'web' });
  // Restarted workers load a prebuilt bundle instead of running webpack each time.
  const bundlePath = join(stack.dataDir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
  stack.env.WORKFLOW_BUNDLE_PATH = bundlePath;
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
});

async function demoPosts() {
  const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; caption: string }[] };
  return posts;
}

/** How far one content has got, in kill-point order. */
async function stageOf(contentId: string): Promise<{ stage: number; state: string }> {
  const [publication] = await publicationsOfContent(stack.app.db.db, contentId);
  if (!publication) return { stage: 0, state: 'no publication yet' };
  const state = `${publication.status}/${publication.publishStep ?? '-'}`;
  if (publication.status === 'published') return { stage: 6, state };
  if ((await demoPosts()).some((p) => p.caption.includes(publication.idempotencyMarker))) return { stage: 5, state: `post created, ${state}` };
  const steps: Record<string, number> = { submitting: 4, unconfirmed: 4, uploading: 3 };
  const step = steps[publication.publishStep ?? ''];
  if (step) return { stage: step, state };
  return { stage: publication.status === 'processing' ? 2 : 1, state };
}

/** Waits until the lifecycle reaches the kill point (or passes it: some stages last milliseconds); returns what was observed. */
async function reach(point: KillPoint, contentId: string): Promise<string> {
  const target = killPoints.indexOf(point);
  return waitFor(async () => {
    const { stage, state } = await stageOf(contentId);
    return stage >= target ? state : undefined;
  }, { what: `kill point ${point}`, timeoutMs: 90_000, intervalMs: 5 });
}

it(`survives ${iterations} worker SIGKILLs at random stages with exactly one post per publication`, async () => {
  worker = startWorkerProcess(stack.env);
  await worker.ready;
  const report: { point: KillPoint; observed: string; posts: number; attempts: number; restartMs: number; recoveryMs: number }[] = [];

  for (let i = 0; i < iterations; i++) {
    const point = killPoints[Math.floor(Math.random() * killPoints.length)]!;
    // Right after the click: the platform creates the post but its answer never arrives.
    if (point === 'after_click') {
      const armed = await fetch(`${stack.demo.url}/__admin/faults`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'no_confirmation', count: 1 }),
      });
      expect(armed.ok).toBe(true);
    }
    const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'crash.mp4')));
    const created = await uploadVideo(stack, { modelId: stack.seeded.modelId, context: `crash ${i} at ${point}`, file: { data: video, name: 'clip.mp4' } });
    expect(created.status).toBe(202);
    const contentId = created.body.id as string;

    const observed = await reach(point, contentId);
    await worker.kill('SIGKILL');
    const killedAt = Date.now();
    await fetch(`${stack.demo.url}/__admin/faults`, { method: 'DELETE' });
    worker = startWorkerProcess(stack.env);
    await worker.ready;
    const restartMs = Date.now() - killedAt;

    const result = await stack.app.temporal.workflow.getHandle(`content-${contentId}`).result();
    expect(result.status).toBe('scheduled');
    for (const { workflowId, publicationId } of result.publications) {
      const outcome = await stack.app.temporal.workflow.getHandle(workflowId).result();
      expect(outcome, `iteration ${i} (${point}, observed ${observed})`).toMatchObject({ status: 'published' });
      const publication = (await findPublication(stack.app.db.db, publicationId))!;
      const posts = (await demoPosts()).filter((p) => p.caption.includes(publication.idempotencyMarker));
      expect(posts, `iteration ${i} (${point}, observed ${observed})`).toHaveLength(1);
      expect(posts[0]!.id).toBe(publication.externalId);
      report.push({ point, observed, posts: posts.length, attempts: publication.attempts, restartMs, recoveryMs: Date.now() - killedAt });
    }
    expect((await findContent(stack.app.db.db, contentId))!.status).toBe('approved');
  }

  const byPoint = Object.fromEntries(killPoints.map((p) => [p, report.filter((r) => r.point === p).length]));
  console.log(`crash loop: ${report.length} publications after ${iterations} SIGKILLs, all published exactly once; kills per point ${JSON.stringify(byPoint)}`);
  console.table(report);
  expect(report).toHaveLength(iterations);
  expect(report.every((r) => r.posts === 1)).toBe(true);
}, iterations * 60_000);
