/**
 * The Chaturbate follower (`streamSourceWorkflow` + activities/streams + db/stream-events.ts) against the fake Events and
 * Stats APIs (test/fakes/chaturbate-server.ts), the real Temporal dev server and PostgreSQL:
 * - a session with tips, follows, visitors, chat and a media purchase ends as one stream row with the right tokens,
 *   amount (tokens × CHATURBATE_TOKEN_USD, exact) and earnings lines; Stats API readings give the peak and the followers;
 *   the live post of the session is created and its content workflow started once; the stop signal ends the workflow;
 *   neither its history nor the source row holds a token or the `nextUrl` in clear; the history replays;
 * - a worker process SIGKILLed mid-poll many times (answers lost on the way too) loses and doubles nothing: the stored
 *   lines are exactly the fake's pushed tips and purchases;
 * - a refused token revokes the source, raises one alert, and polling stops (the fake sees no more requests);
 * - errors of the Events API (5xx echoing the URL, rate limit, network) name no token.
 * Workflows run on task queues of this file's own (the namespace is shared by every test file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { temporal as temporal_proto } from '@temporalio/proto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { and, eq, inArray } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requestEvents, scrubStreamSecrets } from '../activities/streams/chaturbate.js';
import { createStreamActivities } from '../activities/streams/index.js';
import { loadConfig, type AppConfig } from '../config.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { stopStreamSourceSignal, streamSourceWorkflowId, type StreamSourceWorkflow } from '../contracts/workflows.js';
import { encryptJson, secretBindings } from '../crypto/secrets.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { contents, earnings, models, platformAccounts, platforms, streamEventIds, streams, streamSources, systemEvents } from '../db/schema.js';
import { connectTemporal } from '../services/temporal.js';
import { scrubActivityErrors } from '../worker/scrub-errors.js';
import { workflowBundle, writeWorkflowBundle } from '../worker/index.js';
import { cbEvent, startFakeChaturbate, type CbEvent, type FakeChaturbate } from './fakes/chaturbate-server.js';
import { waitFor } from './helpers/wait.js';

const run = randomBytes(3).toString('hex');
const queue = `streams-test-${run}`;
const crashQueue = `streams-crash-${run}`;
const crashIterations = Number(process.env.STREAM_CRASH_ITERATIONS ?? 8);
/** A dead worker is noticed in seconds; short database steps. */
const options = { heartbeatTimeoutMs: 3000, dbActivityTimeoutMs: 10_000 };

let fake: FakeChaturbate;
let dataDir: string;
let env: Record<string, string>;
let config: AppConfig;
let handle: DbHandle;
let temporal: Client;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const db = () => handle.db;
const started: WorkflowHandle[] = [];

beforeAll(async () => {
  fake = await startFakeChaturbate();
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-streams-'));
  env = {
    DATA_DIR: dataDir, DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), API_TOKEN: 'streams-test-token-0123456789',
    ADMIN_PASSWORD: 'streams-pw', SESSION_SECRET: 'streams-session-secret-0123456789abcdef', AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CHATURBATE_EVENTS_ROOT: fake.eventsRoot, CHATURBATE_STATS_ROOT: fake.statsRoot, CHATURBATE_EVENTS_TIMEOUT_SECONDS: '1', LOG_LEVEL: 'warn',
  };
  config = loadConfig(env);
  // A Stats API reading every 1.2 s instead of 5 minutes (env takes whole minutes).
  config.streams.statsPollMinutes = 0.02;
  handle = await openDatabase({ databaseUrl: config.databaseUrl });
  temporal = await connectTemporal(inject('temporalAddress'), config.temporal.namespace);
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection, namespace: config.temporal.namespace, taskQueue: queue, workflowBundle: await workflowBundle(),
    activities: createStreamActivities({ db: db(), config, log: pino({ level: 'warn' }) }),
    interceptors: { activity: [scrubActivityErrors] },
  });
  running = worker.run();
});

afterAll(async () => {
  for (const h of started) await h.terminate('test over').catch(() => undefined);
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await temporal?.connection.close();
  await handle?.close();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A model and her Chaturbate source, with the fake room's tokens stored encrypted as the service stores them. */
async function newSource(name: string, livePosting?: (modelId: string) => Promise<Record<string, unknown>>) {
  const username = `${name}_${run}`;
  const room = fake.addBroadcaster(username, { followers: 100 });
  const [model] = await db().insert(models).values({ name: `Streams ${name} ${run}`, distribution: defaultDistributionRules }).returning();
  if (livePosting) await db().update(models).set({ livePosting: (await livePosting(model!.id)) as never }).where(eq(models.id, model!.id));
  const id = randomUUID();
  await db().insert(streamSources).values({
    id, modelId: model!.id, site: 'chaturbate', username,
    eventsTokenEncrypted: encryptJson(config.keyring, secretBindings.streamSourceEventsToken(id), room.eventsToken),
    statsTokenEncrypted: encryptJson(config.keyring, secretBindings.streamSourceStatsToken(id), room.statsToken),
  });
  return { id, modelId: model!.id, username, room };
}

async function follow(sourceId: string, taskQueue = queue, extra: Partial<typeof options & { historyLimit: number }> = {}) {
  const h = await temporal.workflow.start<StreamSourceWorkflow>('streamSourceWorkflow', {
    workflowId: streamSourceWorkflowId(sourceId), taskQueue, args: [{ sourceId, options: { ...options, ...extra } }],
  });
  started.push(h);
  return h;
}

const sessionsOf = (sourceId: string) => db().select().from(streams).where(eq(streams.sourceId, sourceId)).orderBy(streams.startedAt);
const linesOf = (sourceId: string) => db().select().from(earnings).where(eq(earnings.sourceId, sourceId)).orderBy(earnings.id);
const eventsOfModel = (modelId: string) => db().select().from(systemEvents).where(eq(systemEvents.modelId, modelId)).orderBy(systemEvents.id);

/** What the pushed events must have become: one line per tip / purchase (id → tokens), follows net, distinct visitors. */
function expected(events: CbEvent[]) {
  const lines = new Map<string, number>();
  let followsNet = 0;
  const visitors = new Set<string>();
  for (const e of events) {
    if (e.method === 'tip') lines.set(e.id, (e.object.tip as { tokens: number }).tokens);
    if (e.method === 'mediaPurchase') lines.set(e.id, (e.object.media as { tokens: number }).tokens);
    if (e.method === 'follow') followsNet++;
    if (e.method === 'unfollow') followsNet--;
    if (e.method === 'userEnter') visitors.add((e.object.user as { username: string }).username);
  }
  return { lines, followsNet, visitors: visitors.size, tokens: [...lines.values()].reduce((a, b) => a + b, 0) };
}

/** Every string the history holds, payloads decoded: what a person reading it in the Web UI could see. */
function historyText(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(history);
  return out.join('\n');
}

describe('a Chaturbate source', () => {
  it('turns a session into one stream row with its earnings lines, readings and one live post; stops on the signal; keeps no secret in clear', async () => {
    // Live-aware posting on: her teaser (reusable) to one active account.
    const teaserPath = join(dataDir, `teaser-${run}.mp4`);
    writeFileSync(teaserPath, 'not really a video');
    let teaserId = '';
    const s = await newSource('lola', async (modelId) => {
      const [platform] = await db().insert(platforms).values({
        name: `demo-live-${run}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' },
      }).returning();
      const [account] = await db().insert(platformAccounts).values({ modelId, platformId: platform!.id, username: `lola_live_${run}`, sessionSaved: true }).returning();
      const [teaser] = await db().insert(contents).values({ modelId, filePath: teaserPath, sentBy: 'test', status: 'reusable', sha256: `sha-${run}` }).returning();
      teaserId = teaser!.id;
      return { enabled: true, contentId: teaser!.id, accountIds: [account!.id], caption: 'En vivo ahora {link}' };
    });
    const before = fake.push(s.username, cbEvent.tip(s.username, 'offline_fan', 15, { message: 'while offline' }));
    const h = await follow(s.id);

    fake.push(s.username, cbEvent.broadcastStart(s.username));
    const [session] = await waitFor(async () => {
      const rows = await sessionsOf(s.id);
      return rows[0]?.followersStart !== null && rows[0]?.livePostContentId ? rows : undefined;
    }, { what: 'the session with its first reading and its live post', timeoutMs: 60_000 });
    expect(session!.followersStart).toBe(100);
    // The live post: one content reposting the teaser, and its workflow started by the follower.
    const livePostId = session!.livePostContentId!;
    const [livePost] = await db().select().from(contents).where(eq(contents.id, livePostId));
    expect(livePost).toMatchObject({ originContentId: teaserId, sentBy: 'system:live' });
    const child = temporal.workflow.getHandle(`content-${livePostId}`);
    started.push(child);
    await waitFor(async () => (await child.describe()).parentExecution?.workflowId === h.workflowId, { what: 'the live post workflow', timeoutMs: 30_000 });

    const during = fake.push(s.username,
      cbEvent.userEnter(s.username, 'ana'), cbEvent.userEnter(s.username, 'beto'), cbEvent.userLeave(s.username, 'ana'), cbEvent.userEnter(s.username, 'ana'),
      cbEvent.tip(s.username, 'ana', 25, { message: 'hola' }), cbEvent.tip(s.username, 'anon', 10, { isAnon: true }),
      cbEvent.chatMessage(s.username, 'ana', 'a chat line that must never be stored'),
      cbEvent.privateMessage(s.username, 'beto', 'a private message that must never be stored'),
      cbEvent.follow(s.username, 'ana'), cbEvent.follow(s.username, 'beto'), cbEvent.unfollow(s.username, 'beto'),
      cbEvent.mediaPurchase(s.username, 'beto', 40, { type: 'video', name: 'clip' }), cbEvent.fanclubJoin(s.username, 'ana'),
      cbEvent.roomSubjectChange(s.username, 'new goal'),
      // A second start within the session changes nothing (no second session, no second live post).
      cbEvent.broadcastStart(s.username),
    );
    fake.setStats(s.username, { num_viewers: 42 });
    await waitFor(async () => {
      const [row] = await sessionsOf(s.id);
      return row?.peakViewers === 42 && row.followersEnd === 101 && row.tokens === 75;
    }, { what: 'the readings after the follows and the tips', timeoutMs: 60_000 });
    const after = fake.push(s.username, cbEvent.broadcastStop(s.username));
    await waitFor(async () => (await sessionsOf(s.id))[0]?.endedAt ?? undefined, { what: 'the session to close', timeoutMs: 60_000 });

    const rows = await sessionsOf(s.id);
    expect(rows).toHaveLength(1);
    const want = expected([...during, ...after]);
    expect(rows[0]).toMatchObject({
      tokens: 75, amountUsd: '3.7500', followsNet: 1, visitors: 2, peakViewers: 42, followersStart: 100, followersEnd: 101,
      origin: 'events_api', livePostContentId: livePostId, endedAt: expect.any(Date),
    });
    expect(want).toMatchObject({ tokens: 75, followsNet: 1, visitors: 2 });
    const lines = await linesOf(s.id);
    expect(lines.map((l) => [l.externalId, l.kind, l.tokens, l.amountUsd, l.isAnonymous, l.streamId === null])).toEqual([
      [before[0]!.id, 'tip', 15, '0.7500', false, true],
      [during[4]!.id, 'tip', 25, '1.2500', false, false],
      [during[5]!.id, 'tip', 10, '0.5000', true, false],
      [during[11]!.id, 'media_purchase', 40, '2.0000', false, false],
      [during[12]!.id, 'fanclub_join', null, '0.0000', false, false],
    ]);
    const applied = (await db().select({ id: streamEventIds.eventId }).from(streamEventIds).where(eq(streamEventIds.sourceId, s.id))).map((r) => r.id);
    for (const e of [during[6]!, during[7]!, during[2]!, during[13]!]) expect(applied, `${e.method} leaves no id`).not.toContain(e.id);
    const kinds = (await eventsOfModel(s.modelId)).map((e) => e.type);
    expect(kinds.filter((k) => k === 'stream_started')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'stream_ended')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'live_post_created')).toHaveLength(1);

    // Stop: the long poll under way is cancelled, the workflow ends.
    await h.signal(stopStreamSourceSignal);
    expect(await h.result()).toEqual({ status: 'stopped' });

    const history = await h.fetchHistory();
    const text = historyText(history);
    const starts = history.events!.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    expect(starts).toHaveLength(1);
    for (const secret of [s.room.eventsToken, s.room.statsToken, `/events/${s.username}/`, '?i=']) expect(text).not.toContain(secret);
    expect(text).toContain(s.id);
    const [row] = await db().select().from(streamSources).where(eq(streamSources.id, s.id));
    expect(row!.eventsNextUrlEncrypted).toMatch(/^v2\./);
    for (const secret of [s.room.eventsToken, s.room.statsToken]) expect(JSON.stringify(row)).not.toContain(secret);
    const replay = await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, h.workflowId);
    expect(replay).toBeUndefined();
    // test/replay.test.ts replays this committed history against every later change of the workflow.
    if (process.env.RECORD_HISTORIES === '1') {
      const { History } = temporal_proto.api.history.v1;
      const json = JSON.stringify(History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }), null, 1);
      writeFileSync(fileURLToPath(new URL('./fixtures/histories/stream-source-session.json', import.meta.url)), json);
    }
    await child.terminate('test over').catch(() => undefined);
  });

  it('revoked token: one alert, the source revoked, and no request after the refusal', async () => {
    const s = await newSource('revoked');
    const witness = await newSource('witness');
    const h = await follow(s.id);
    const w = await follow(witness.id);
    await waitFor(async () => fake.requestCount(s.username, 'events') > 0, { what: 'the first poll', timeoutMs: 30_000 });
    fake.revoke(s.username, 'events');
    expect(await h.result()).toEqual({ status: 'revoked' });
    const seen = fake.requestCount(s.username);
    expect(fake.requests.filter((r) => r.username === s.username).at(-1)!.status).toBe(401);

    const [row] = await db().select().from(streamSources).where(eq(streamSources.id, s.id));
    expect(row!.status).toBe('revoked');
    expect(row!.lastError).toContain('HTTP 401');
    expect(row!.lastError).not.toContain(s.room.eventsToken);
    const alerts = (await eventsOfModel(s.modelId)).filter((e) => e.type === 'alert');
    expect(alerts.map((a) => a.data)).toEqual([{ kind: 'stream_source_revoked', site: 'chaturbate', username: s.username, modelName: `Streams revoked ${run}` }]);
    expect(historyText(await h.fetchHistory())).not.toContain(s.room.eventsToken);

    // Time passes with a worker polling (the witness makes three more requests): the revoked source makes none.
    const witnessSeen = fake.requestCount(witness.username);
    await waitFor(async () => fake.requestCount(witness.username) >= witnessSeen + 3, { what: 'three more witness polls', timeoutMs: 30_000 });
    expect(fake.requestCount(s.username)).toBe(seen);
    await w.signal(stopStreamSourceSignal);
    expect(await w.result()).toEqual({ status: 'stopped' });
  });

  it('names no token in errors: a 5xx echoing the URL, the rate limit, an unreachable host', async () => {
    const room = fake.addBroadcaster(`errors_${run}`);
    const url = `${fake.eventsRoot}/events/${room.username}/${room.eventsToken}/`;
    const call = (u: string) => requestEvents(u, { root: fake.eventsRoot, timeoutSeconds: 0, signal: new AbortController().signal, secrets: [room.eventsToken] });
    const failure = async (u: string) => (await call(u).then(() => undefined, (e: unknown) => e)) as ApplicationFailure;

    fake.failNext('events', 503); // its body quotes the request path, token included
    const unavailable = await failure(url);
    expect(unavailable).toBeInstanceOf(ApplicationFailure);
    expect(unavailable.type).toBe('ChaturbateUnavailable');
    expect(unavailable.nonRetryable).toBeFalsy();
    expect(unavailable.message).toBe('the Chaturbate Events API answered HTTP 503');

    fake.setRateLimit(1);
    expect((await call(url)).kind).toBe('events');
    const limited = await failure(url);
    fake.setRateLimit(2000);
    expect(limited.type).toBe('ChaturbateRateLimited');
    expect(limited.nextRetryDelay).toBeTruthy();

    const unreachable = await failure(`http://127.0.0.1:9/events/${room.username}/${room.eventsToken}/`);
    expect(unreachable.message).toMatch(/unreachable/);
    for (const e of [unavailable, limited, unreachable]) expect(`${e.message}\n${e.stack}`).not.toContain(room.eventsToken);
    expect(scrubStreamSecrets(`GET ${url}?i=1 failed`, [])).toBe(`GET ${fake.eventsRoot}/events/${room.username}/[redacted]/?i=1 failed`);

    // A nextUrl pointing anywhere but the Events API root is not followed (it would carry the token there).
    fake.failNext('events', 200, { body: { events: [], nextUrl: `https://elsewhere.example/events/${room.username}/${room.eventsToken}/` } });
    expect((await failure(url)).message).toContain('another host');
  });
});

/** The crash worker: its own process on its own queue, started from the prebuilt bundle. */
function startCrashWorker(bundlePath: string): { child: ChildProcess; ready: Promise<void>; kill(): Promise<void> } {
  const script = fileURLToPath(new URL('./helpers/stream-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, STREAM_TEST_QUEUE: crashQueue, WORKFLOW_BUNDLE_PATH: bundlePath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream worker not ready:\n${output.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('stream worker running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stream worker exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child, ready,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

it(`a worker SIGKILLed mid-poll ${crashIterations} times loses and doubles nothing`, async () => {
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
  const s = await newSource('crash');
  // A short history limit: the follower continues as new several times during the loop, carrying its cursor time.
  const h = await follow(s.id, crashQueue, { historyLimit: 10 });
  let crashWorker = startCrashWorker(bundlePath);
  await crashWorker.ready;
  fake.push(s.username, cbEvent.broadcastStart(s.username));

  // The room keeps going while the worker dies again and again: tips, purchases, follows, visitors, chat.
  let playing = true;
  const viewers = Array.from({ length: 25 }, (_, i) => `viewer${i}`);
  const pick = () => viewers[Math.floor(Math.random() * viewers.length)]!;
  const room = (async () => {
    while (playing) {
      const r = Math.random();
      const u = pick();
      if (r < 0.35) fake.push(s.username, cbEvent.tip(s.username, u, 1 + Math.floor(Math.random() * 100), { isAnon: Math.random() < 0.2 }));
      else if (r < 0.4) fake.push(s.username, cbEvent.mediaPurchase(s.username, u, 30));
      else if (r < 0.55) fake.push(s.username, cbEvent.follow(s.username, u));
      else if (r < 0.6) fake.push(s.username, cbEvent.unfollow(s.username, u));
      else if (r < 0.8) fake.push(s.username, cbEvent.userEnter(s.username, u));
      else fake.push(s.username, cbEvent.chatMessage(s.username, u, 'hola'));
      // The pace of a busy room (an event every ~20 ms), not a wait for a condition.
      await new Promise((r2) => setTimeout(r2, 20));
    }
  })();

  const kills: { afterRequests: number; pushed: number; waitedMs: number }[] = [];
  try {
    for (let i = 0; i < crashIterations; i++) {
      const from = fake.requestCount(s.username, 'events');
      const waitStart = Date.now();
      const afterRequests = 1 + Math.floor(Math.random() * 6);
      // Now and then an answer is lost on the way (the events were read, the connection dropped).
      if (i % 3 === 1) fake.loseNextAnswer();
      await waitFor(async () => fake.requestCount(s.username, 'events') >= from + afterRequests, { what: `poll ${i}`, timeoutMs: 120_000, intervalMs: 5 });
      await crashWorker.kill();
      kills.push({ afterRequests, pushed: fake.pushed(s.username).length, waitedMs: Date.now() - waitStart });
      crashWorker = startCrashWorker(bundlePath);
      await crashWorker.ready;
    }
  } finally {
    playing = false;
    await room;
  }
  fake.push(s.username, cbEvent.broadcastStop(s.username));
  await waitFor(async () => (await sessionsOf(s.id))[0]?.endedAt ?? undefined, { what: 'the session to close after the crashes', timeoutMs: 120_000 });

  const pushed = fake.pushed(s.username);
  const want = expected(pushed);
  const lines = await linesOf(s.id);
  expect(new Map(lines.map((l) => [l.externalId, l.tokens]))).toEqual(want.lines);
  expect(lines).toHaveLength(want.lines.size);
  const sessions = await sessionsOf(s.id);
  expect(sessions).toHaveLength(1);
  expect(sessions[0]).toMatchObject({ tokens: want.tokens, followsNet: want.followsNet, visitors: want.visitors });
  // tokens × 0.05, written without floats: whole dollars, then cents.
  expect(sessions[0]!.amountUsd).toBe(`${Math.floor(want.tokens / 20)}.${String((want.tokens % 20) * 5).padStart(2, '0')}00`);
  const kinds = (await eventsOfModel(s.modelId)).map((e) => e.type);
  expect(kinds.filter((k) => k === 'stream_started')).toHaveLength(1);
  expect(kinds.filter((k) => k === 'stream_ended')).toHaveLength(1);
  const ids = await db().select({ id: streamEventIds.eventId }).from(streamEventIds)
    .where(and(eq(streamEventIds.sourceId, s.id), inArray(streamEventIds.eventId, pushed.filter((e) => e.method === 'chatMessage').map((e) => e.id).concat(['-']))));
  expect(ids).toEqual([]);

  let runs = 0;
  for await (const execution of temporal.workflow.list({ query: `WorkflowId = '${h.workflowId}'` })) if (execution.runId) runs++;
  console.log(`stream crash loop: ${kills.length} SIGKILLs, ${runs} runs, ${pushed.length} events pushed, ${lines.length} lines stored exactly once; ${JSON.stringify(kills)}`);
  expect(runs).toBeGreaterThan(1);

  await h.signal(stopStreamSourceSignal);
  expect(await h.result()).toEqual({ status: 'stopped' });
  await crashWorker.kill();
}, 600_000);
