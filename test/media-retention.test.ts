/**
 * Media retention against the real test database and a temporary DATA_DIR: the activities delete the video
 * (original and variants) of contents whose publications are all final and older than the cut, the video of old
 * rejected contents, old evidence attempts and old uploads no row names; they keep thumbnails, younger files, a
 * content with a publication still scheduled, a fresh orphan and an old upload a content still refers to, and every
 * row with its facts. A second run deletes nothing. Then the `media-retention` Schedule: created idempotently, and a
 * triggered run deletes through the workflow (a worker on this file's activities), records one `media_retention`
 * event and replays. Rows are this file's own (the database is shared with other files).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMediaRetentionActivities } from '../activities/retention/media.js';
import { loadConfig, type AppConfig } from '../config.js';
import { defaultCapabilities } from '../core/platforms.js';
import { idempotencyMarker } from '../core/captions.js';
import type { MediaRetentionTotals } from '../contracts/events.js';
import { mediaRetentionScheduleId, TaskQueues, WorkflowTypes, type MediaRetentionOutcome } from '../contracts/workflows.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { contents, platforms, publications, systemEvents } from '../db/schema.js';
import { ensureMediaRetentionSchedule, mediaRetentionSpec } from '../services/media-retention.js';
import { connectTemporal } from '../services/temporal.js';
import { workflowBundle } from '../worker/index.js';
import { createAccount, createModel } from './helpers/overview-seed.js';
import { waitFor } from './helpers/wait.js';

const DAY = 86_400_000;
const run = randomUUID().slice(0, 6);
const days = { publishedMediaDays: 30, rejectedMediaDays: 14, evidenceDays: 30, incomingOrphanDays: 1 };
let dataDir: string;
let config: AppConfig;
let handle: DbHandle;
const db = () => handle.db;
let modelId: string;
let accounts: { id: string; modelId: string }[];

/** A content with its own folder: original, one variant and the thumbnail. */
async function contentWithFiles(values: Partial<typeof contents.$inferInsert>) {
  const id = randomUUID();
  const dir = join(config.mediaDir, id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'original.mp4'), Buffer.alloc(1000, 1));
  await writeFile(join(dir, 'variant-demo.mp4'), Buffer.alloc(500, 2));
  await writeFile(join(dir, 'thumbnail.jpg'), Buffer.alloc(100, 3));
  const [row] = await db().insert(contents).values({
    id, modelId, filePath: join(dir, 'original.mp4'), sentBy: 'test', status: 'approved', sha256: `sha-${id}`,
    durationSeconds: 12.5, sizeBytes: 1000, thumbnailPath: join(dir, 'thumbnail.jpg'), ...values,
  }).returning();
  return row!;
}

async function publish(contentId: string, account: { id: string }, values: Partial<typeof publications.$inferInsert>) {
  const id = randomUUID();
  await db().insert(publications).values({ id, contentId, accountId: account.id, idempotencyMarker: idempotencyMarker(id), status: 'published', ...values });
}

const filesOf = (id: string) => ['original.mp4', 'variant-demo.mp4', 'thumbnail.jpg', 'retention.json'].filter((f) => existsSync(join(config.mediaDir, id, f)));

async function oldFile(path: string, ageMs: number, bytes = 10) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, Buffer.alloc(bytes));
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trafico-retention-'));
  config = loadConfig({
    DATA_DIR: dataDir, DATABASE_URL: inject('databaseUrl'), API_TOKEN: 'retention-test-token-0123456789', ADMIN_PASSWORD: 'retention-pw',
    SESSION_SECRET: 'retention-session-secret-0123456789abcdef', AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
  });
  handle = await openDatabase({ databaseUrl: config.databaseUrl });
  modelId = (await createModel(db(), `Retención media ${run}`)).id;
  const [platform] = await db().insert(platforms).values({
    name: `retention-${run}`, capabilities: defaultCapabilities.demo!, technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' },
  }).returning();
  accounts = [
    await createAccount(db(), { modelId, platformId: platform!.id, username: `ret_a_${run}` }),
    await createAccount(db(), { modelId, platformId: platform!.id, username: `ret_b_${run}` }),
  ];
});

afterAll(async () => {
  await handle?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the media-retention activities', () => {
  it('delete what is past its age and final, keep the rest, and a second run deletes nothing', async () => {
    const now = new Date();
    const ago = (d: number) => new Date(now.getTime() - d * DAY);
    const oldPublished = await contentWithFiles({});
    await publish(oldPublished.id, accounts[0]!, { publishedAt: ago(40) });
    await publish(oldPublished.id, accounts[1]!, { status: 'canceled', updatedAt: ago(45) });
    const youngPublished = await contentWithFiles({});
    await publish(youngPublished.id, accounts[0]!, { publishedAt: ago(5) });
    const stillScheduled = await contentWithFiles({});
    await publish(stillScheduled.id, accounts[0]!, { publishedAt: ago(40) });
    await publish(stillScheduled.id, accounts[1]!, { status: 'scheduled', scheduledTime: new Date(now.getTime() + DAY) });
    const oldRejected = await contentWithFiles({ status: 'rejected', rejectedAt: ago(20), rejectionReason: 'no' });
    const youngDuplicate = await contentWithFiles({ status: 'duplicate', duplicateOfId: oldPublished.id });

    const incoming = join(config.mediaDir, 'incoming');
    const orphanName = `${randomUUID()}.mp4`;
    await oldFile(join(incoming, orphanName), 3 * DAY, 700);
    await oldFile(join(incoming, `fresh-${randomUUID()}.mp4`), 60_000);
    const waitingName = `${randomUUID()}.mp4`;
    await oldFile(join(incoming, waitingName), 3 * DAY);
    const waiting = await contentWithFiles({ status: 'new', filePath: join(incoming, waitingName) });

    const oldEvidence = join(config.evidenceDir, randomUUID(), '1');
    await oldFile(join(oldEvidence, 'info.json'), 40 * DAY, 300);
    await oldFile(join(oldEvidence, 'page.html'), 40 * DAY, 200);
    await utimes(oldEvidence, ago(40), ago(40));
    const youngEvidence = join(config.evidenceDir, randomUUID(), '1');
    await oldFile(join(youngEvidence, 'info.json'), 60_000);

    const activities = createMediaRetentionActivities({ db: db(), config, log: pino({ level: 'silent' }) }, { batchSize: 2 });
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `media-retention-test-${run}`, runId: randomUUID() } });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const input = (d: number) => ({ days: d, now: now.toISOString() });
    type Totals = MediaRetentionTotals;
    const published = (await env.run(activities.deletePublishedMedia, input(days.publishedMediaDays))) as Totals['published'];
    const rejected = (await env.run(activities.deleteRejectedMedia, input(days.rejectedMediaDays))) as Totals['rejected'];
    const evidence = (await env.run(activities.deleteExpiredEvidence, input(days.evidenceDays))) as Totals['evidence'];
    const uploads = (await env.run(activities.deleteOrphanedUploads, input(days.incomingOrphanDays))) as Totals['incoming'];

    // Published long ago, every publication final: the video goes, the thumbnail stays, the marker says when.
    expect(filesOf(oldPublished.id)).toEqual(['thumbnail.jpg', 'retention.json']);
    const marker = JSON.parse(await readFile(join(config.mediaDir, oldPublished.id, 'retention.json'), 'utf8'));
    expect(marker).toEqual({ deletedAt: now.toISOString(), reason: 'published', files: 2, bytes: 1500 });
    expect(filesOf(oldRejected.id)).toEqual(['thumbnail.jpg', 'retention.json']);
    // Too young, or a publication still to come: untouched.
    for (const kept of [youngPublished, stillScheduled, youngDuplicate, waiting]) {
      expect(filesOf(kept.id), kept.id).toEqual(['original.mp4', 'variant-demo.mp4', 'thumbnail.jpg']);
    }
    expect(published).toMatchObject({ contents: expect.any(Number) });
    expect(published.contents).toBeGreaterThanOrEqual(1);
    expect(published.bytes).toBeGreaterThanOrEqual(1500);
    expect(rejected.bytes).toBeGreaterThanOrEqual(1500);
    expect(beats.length).toBeGreaterThan(0);

    expect(existsSync(oldEvidence)).toBe(false);
    expect(existsSync(join(oldEvidence, '..'))).toBe(false);
    expect(existsSync(join(youngEvidence, 'info.json'))).toBe(true);
    expect(evidence).toEqual({ attempts: 1, files: 2, bytes: 500 });
    expect(existsSync(join(incoming, orphanName))).toBe(false);
    expect(existsSync(join(incoming, waitingName))).toBe(true);
    expect((await readdir(incoming)).filter((n) => n.startsWith('fresh-'))).toHaveLength(1);
    expect(uploads).toEqual({ files: 1, bytes: 700 });

    // The rows and their facts stay.
    const rows = await db().select().from(contents).where(inArray(contents.id, [oldPublished.id, oldRejected.id]));
    expect(rows.map((r) => ({ status: r.status, sha256: r.sha256, duration: r.durationSeconds, size: r.sizeBytes })).sort((a, b) => a.status.localeCompare(b.status)))
      .toEqual([
        { status: 'approved', sha256: `sha-${oldPublished.id}`, duration: 12.5, size: 1000 },
        { status: 'rejected', sha256: `sha-${oldRejected.id}`, duration: 12.5, size: 1000 },
      ]);
    expect(await db().select({ id: publications.id }).from(publications).where(eq(publications.contentId, oldPublished.id))).toHaveLength(2);

    // The event, once per run, with what went.
    const totals: MediaRetentionTotals = { published, rejected, evidence, incoming: uploads };
    expect(await env.run(activities.recordMediaRetention, totals)).toEqual({ recorded: true });
    expect(await env.run(activities.recordMediaRetention, totals)).toEqual({ recorded: true });
    const events = await db().select().from(systemEvents)
      .where(and(eq(systemEvents.type, 'media_retention'), sql`${systemEvents.data}->>'run' = ${`media-retention-test-${run}`}`));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ incoming: { files: 1, bytes: 700 }, evidence: { attempts: 1, files: 2, bytes: 500 } });

    // Idempotent: nothing of this DATA_DIR goes twice.
    const again = new MockActivityEnvironment();
    expect(await again.run(activities.deletePublishedMedia, input(days.publishedMediaDays))).toEqual({ contents: 0, files: 0, bytes: 0 });
    expect(await again.run(activities.deleteRejectedMedia, input(days.rejectedMediaDays))).toEqual({ contents: 0, files: 0, bytes: 0 });
    expect(await again.run(activities.deleteExpiredEvidence, input(days.evidenceDays))).toEqual({ attempts: 0, files: 0, bytes: 0 });
    expect(await again.run(activities.deleteOrphanedUploads, input(days.incomingOrphanDays))).toEqual({ files: 0, bytes: 0 });
    expect(marker.deletedAt).toBe(JSON.parse(await readFile(join(config.mediaDir, oldPublished.id, 'retention.json'), 'utf8')).deletedAt);
  });
});

describe('the media-retention Schedule', () => {
  let temporal: Client | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let connection: NativeConnection | undefined;
  afterAll(async () => {
    await temporal?.schedule.getHandle(mediaRetentionScheduleId).delete().catch(() => undefined);
    worker?.shutdown();
    await running;
    await connection?.close();
    await temporal?.connection.close();
  });

  it('is created idempotently, and a triggered run deletes through the workflow, records its event and replays', async () => {
    temporal = await connectTemporal(inject('temporalAddress'), 'default');
    await ensureMediaRetentionSchedule(temporal, days, config.lifecycle);
    await ensureMediaRetentionSchedule(temporal, days, config.lifecycle);
    const schedule = temporal.schedule.getHandle(mediaRetentionScheduleId);
    const description = await schedule.describe();
    expect(description.spec.intervals).toEqual([{ every: mediaRetentionSpec.intervals[0]!.every, offset: mediaRetentionSpec.intervals[0]!.offset }]);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: WorkflowTypes.mediaRetention, taskQueue: 'pipeline' });
    expect((description.action as { args?: unknown[] }).args?.[0]).toMatchObject(days);

    const expired = await contentWithFiles({ status: 'rejected', rejectedAt: new Date(Date.now() - 20 * DAY), rejectionReason: 'no' });
    // Only this file's activities: nothing else runs on the pipeline queue while the files run one at a time.
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await Worker.create({
      connection, namespace: 'default', taskQueue: TaskQueues.pipeline, workflowBundle: await workflowBundle(),
      activities: createMediaRetentionActivities({ db: db(), config, log: pino({ level: 'silent' }) }),
    });
    running = worker.run();
    const seen = new Set(description.info.recentActions.map((a) => a.action.workflow.workflowId));
    await schedule.trigger();
    const workflowId = await waitFor(async () => (await schedule.describe()).info.recentActions
      .map((a) => a.action.workflow.workflowId).find((id) => !seen.has(id)), { what: 'the triggered retention run', timeoutMs: 60_000 });
    const handle = temporal.workflow.getHandle(workflowId);
    const outcome = (await handle.result()) as MediaRetentionOutcome;
    expect(outcome.rejected.contents).toBeGreaterThanOrEqual(1);
    expect(filesOf(expired.id)).toEqual(['thumbnail.jpg', 'retention.json']);
    const [event] = await db().select().from(systemEvents)
      .where(and(eq(systemEvents.type, 'media_retention'), sql`${systemEvents.data}->>'run' = ${workflowId}`));
    expect(event?.data).toMatchObject({ rejected: outcome.rejected, run: workflowId });

    const replay = await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory(), workflowId);
    expect(replay).toBeUndefined();
  });
});
