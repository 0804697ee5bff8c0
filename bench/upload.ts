/**
 * Video upload throughput of the official-API drivers (YouTube, Instagram, TikTok): a 50 MB video through each
 * driver's real `publish()` against its fake (test/fakes/*-server.ts), against curl uploading the same file to the
 * same fake in the same run. The baseline is curl because it is the machine's limit for one HTTP upload on loopback
 * through the fake's own code (the fake reads and hashes the bytes either way).
 *
 * The fakes run in a child process (this file with `--fakes`, driven over IPC) so that this process holds only the
 * driver, whose memory during `publish()` must stay bounded (the drivers stream or chunk the file; none may hold it
 * whole). Two figures, each over its value after a full GC just before `publish()`: peak RSS (VmHWM reset through
 * /proc/self/clear_refs) and peak live Buffer/ArrayBuffer bytes (`arrayBuffers`, sampled every 2 ms). RSS freed by a
 * GC stays resident, so only the warm-up (the process's first upload of that platform; YouTube's is the first of
 * all) shows what a fresh worker pays; the live buffers do not depend on what ran before, and a figure near the file's
 * size there means the body is held whole (run with BENCH_UPLOAD_MB=200 to tell that from garbage not yet collected).
 *
 * The file is a real MP4 start (ffmpeg, 2 s) padded with random bytes: the Instagram fake checks the `ftyp` box, the
 * others never decode the bytes. No fake caps uploads below 50 MB (Reels 300 MB, TikTok 4 GB, YouTube none).
 * curl gets its upload URL the way a client does, from the fake's documented init call (sent by this script, untimed):
 * - YouTube: videos.insert uploadType=resumable → the session URI (Location); the bytes PUT there;
 * - Instagram: POST /<IG_ID>/media upload_type=resumable → the container's `uri` (rupload); the bytes POSTed there with
 *   `Authorization: OAuth`, `offset: 0`, `file_size`;
 * - TikTok: POST /v2/post/publish/video/init/ (FILE_UPLOAD) → `upload_url`; the bytes PUT there with Content-Range.
 * Two curl baselines: the whole file in one request (every protocol allows it at 50 MB: TikTok takes one chunk up to
 * 64 MB), and the driver's own chunk plan (YouTube 16 MiB PUTs, TikTok 10 MB chunks; one `curl --next` process, one
 * connection), which separates the cost of chunking from the driver's own overhead. curl's figures count only the
 * bytes' requests (and curl reads `--data-binary @file` into memory before the clock starts); the driver's `publish()`
 * also makes its API calls (token, creator_info, init, status, media_publish …), a few ms on loopback: the fakes
 * process instantly (processingPolls 0), so no poll waits. The YouTube fake's daily quota is raised to 1,000,000 units
 * for the curl sessions, each of which costs 1,600 like the driver's.
 *
 * Every upload is checked: the fake's stored bytes hash to the file's SHA-256. Rounds interleave driver and curl; a
 * warm-up round is printed but not counted.
 *
 *   npm run bench:upload                              # 50 MB, 3 runs each
 *   BENCH_UPLOAD_MB=200 BENCH_RUNS=5 npm run bench:upload
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ApiApps, ApiCredentials, ApiPlatformDriver, ApiPost } from '../activities/publishing/drivers/api-types.js';
import { createInstagramDriver, type InstagramCredentials } from '../activities/publishing/drivers/instagram.js';
import { chunkPlan, tiktokDriver, type TikTokCredentials } from '../activities/publishing/drivers/tiktok.js';
import { YOUTUBE_UPLOAD_CHUNK_BYTES, youtubeDriver, type YoutubeCredentials } from '../activities/publishing/drivers/youtube.js';
import type { AccountPublishSettings } from '../core/types.js';
import { startFakeInstagram } from '../test/fakes/instagram-server.js';
import { startFakeTikTok } from '../test/fakes/tiktok-server.js';
import { startFakeYoutube } from '../test/fakes/youtube-server.js';
import { apiApps, testApiContext } from '../test/helpers/api-driver.js';
import { makeTestVideo } from '../test/helpers/media.js';

const execFileAsync = promisify(execFile);
const uploadBytes = Math.round(Number(process.env.BENCH_UPLOAD_MB ?? 50) * 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const curlBinary = process.env.BENCH_CURL ?? '/usr/bin/curl';
/** The deadline of the drivers' small calls (TikTok polls at a third of it; with instant processing it never waits). */
const callTimeoutMs = 10_000;
const MB = 1_000_000;

const sha256File = (path: string) => new Promise<string>((resolve, reject) => {
  const hash = createHash('sha256');
  createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
});
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mbps = (bytes: number, seconds: number) => bytes / MB / seconds;

// ── The fakes' process ──────────────────────────────────────────────────────────────────────────

type FakeCall = { id: number; op: string; arg?: any };

/** Runs the three fakes and answers the parent's set-up and check calls; ends with the parent. */
async function serveFakes(): Promise<void> {
  const yt = await startFakeYoutube({ dailyQuotaUnits: 1_000_000 });
  const ig = await startFakeInstagram({ processingPolls: 0 });
  const tt = await startFakeTikTok({ processingPolls: 0 });
  const digest = (bytes: Buffer | Buffer[]) => {
    const hash = createHash('sha256');
    for (const piece of Array.isArray(bytes) ? bytes : [bytes]) hash.update(piece);
    return hash.digest('hex');
  };
  const ops: Record<string, (arg: any) => unknown> = {
    info: () => ({
      youtube: { url: yt.url, tokenUrl: yt.tokenUrl, authorizeUrl: yt.authorizeUrl, clientId: yt.client.clientId, clientSecret: yt.client.clientSecret },
      instagram: { url: ig.url, tokenUrl: ig.tokenUrl, authorizeUrl: ig.authorizeUrl, appId: ig.app.appId, appSecret: ig.app.appSecret },
      tiktok: { url: tt.url, authorizeUrl: tt.authorizeUrl, clientKey: tt.client.clientKey, clientSecret: tt.client.clientSecret },
    }),
    'youtube.account': (handle: string) => {
      const google = yt.addAccount({ handle, title: handle });
      return { ...yt.issueTokens(google.id), channelId: google.channel!.id, uploadsPlaylistId: google.channel!.uploadsPlaylistId, handle };
    },
    'instagram.account': (username: string) => {
      const user = ig.addUser({ username });
      const token = ig.issueToken(user.id, { ageMs: 60_000 });
      return {
        accessToken: token.token, refreshToken: token.token, expiresAt: new Date(token.expiresAt).toISOString(),
        refreshedAt: new Date(token.issuedAt).toISOString(), igUserId: user.id, username,
      };
    },
    'tiktok.account': (username: string) => {
      const creator = tt.addCreator({ username });
      return { ...tt.issueTokens(creator.openId), username };
    },
    // What each fake stored, hashed; then the bytes are let go (the fakes keep them, and nothing reads them again).
    'youtube.stored': ({ videoId, uploadId }: { videoId?: string; uploadId?: string }) => {
      const id = videoId ?? yt.sessions.get(uploadId!)?.videoId;
      const video = yt.videos.find((v) => v.id === id);
      return video ? { size: video.size, sha256: video.sha256 } : null;
    },
    'instagram.stored': (containerId: string) => {
      const container = ig.containers.get(containerId);
      if (!container) return null;
      const stored = { size: container.bytes.length, sha256: digest(container.bytes) };
      container.bytes = Buffer.alloc(0);
      return stored;
    },
    'tiktok.stored': (publishId: string) => {
      const publish = tt.publishes.find((p) => p.publishId === publishId);
      if (!publish) return null;
      const stored = { size: publish.received.reduce((n, b) => n + b.length, 0), sha256: digest(publish.received) };
      publish.received = [];
      return stored;
    },
  };
  process.on('message', (message: FakeCall) => {
    try {
      process.send!({ id: message.id, result: ops[message.op]!(message.arg) ?? null });
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
  process.on('disconnect', () => {
    void Promise.all([yt.close(), ig.close(), tt.close()]).finally(() => process.exit(0));
  });
  process.send!({ ready: true });
}

interface FakesHost {
  call<T>(op: string, arg?: unknown): Promise<T>;
  pid: number;
  stop(): Promise<void>;
}

async function startFakesHost(): Promise<FakesHost> {
  // fork() reuses this process's execArgv: under tsx the child loads TypeScript the same way.
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--fakes'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();
  let nextId = 0;
  let exited: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve();
      const pending = waiting.get(message.id!);
      waiting.delete(message.id!);
      if (message.error) pending?.reject(new Error(`fakes: ${message.error}`));
      else pending?.resolve(message.result);
    });
    child.on('exit', (code) => {
      exited = new Error(`the fakes' process exited (${code})`);
      reject(exited);
      for (const pending of waiting.values()) pending.reject(exited);
      waiting.clear();
    });
  });
  await ready;
  return {
    pid: child.pid!,
    call<T>(op: string, arg?: unknown) {
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        child.send({ id, op, arg } satisfies FakeCall);
      });
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.disconnect();
    }),
  };
}

// ── Memory ───────────────────────────────────────────────────────────────────────────────────────

setFlagsFromString('--expose-gc');
/** A full GC before each measured upload, so the RSS it starts from is the settled heap. */
const gc = runInNewContext('gc') as () => void;

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

/**
 * Peak memory over a span, above where it started (after a full GC): RSS (the kernel's high-water mark reset through
 * clear_refs 5, else sampled) and live Buffer/ArrayBuffer bytes (`arrayBuffers`, sampled every 2 ms). RSS is what the
 * machine pays but stays resident after a GC, so a later upload in the same process reuses it and shows less; the
 * buffer bytes count what the upload holds whatever ran before, so they expose a body kept whole in memory.
 */
function peakMemory(): { method: string; start(): void; stop(): { rss: number; buffers: number } } {
  let resettable = true;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    resettable = false;
  }
  let rssBefore = 0;
  let rssSampled = 0;
  let buffersBefore = 0;
  let buffersPeak = 0;
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    const usage = process.memoryUsage();
    buffersPeak = Math.max(buffersPeak, usage.arrayBuffers);
    rssSampled = Math.max(rssSampled, usage.rss);
  };
  return {
    method: resettable ? 'VmHWM reset through /proc/self/clear_refs' : 'RSS sampled every 2 ms (clear_refs not writable)',
    start() {
      gc();
      if (resettable) writeFileSync('/proc/self/clear_refs', '5');
      rssBefore = statusKb('VmRSS') * 1024;
      rssSampled = rssBefore;
      buffersBefore = process.memoryUsage().arrayBuffers;
      buffersPeak = buffersBefore;
      timer = setInterval(sample, 2);
    },
    stop() {
      clearInterval(timer);
      sample();
      const rssPeak = resettable ? statusKb('VmHWM') * 1024 : rssSampled;
      return { rss: rssPeak - rssBefore, buffers: buffersPeak - buffersBefore };
    },
  };
}

// ── curl ─────────────────────────────────────────────────────────────────────────────────────────

interface CurlTransfer {
  url: string;
  method: 'PUT' | 'POST';
  headers: Record<string, string>;
  file: string;
  expect: number[];
}

/** One curl process sending each transfer in order (`--next`: one connection); the seconds summed over transfers. */
async function curlUpload(transfers: CurlTransfer[]): Promise<{ seconds: number; speeds: number[] }> {
  const args: string[] = [];
  for (const [i, t] of transfers.entries()) {
    if (i > 0) args.push('--next');
    args.push('-sS', '-o', '/dev/null', '-w', '%{http_code} %{speed_upload} %{time_total}\\n', '-X', t.method, '--data-binary', `@${t.file}`);
    for (const [name, value] of Object.entries(t.headers)) args.push('-H', `${name}: ${value}`);
    args.push(t.url);
  }
  const { stdout } = await execFileAsync(curlBinary, args, { maxBuffer: 1024 * 1024 });
  const lines = stdout.trim().split('\n');
  if (lines.length !== transfers.length) throw new Error(`curl reported ${lines.length} transfers of ${transfers.length}: ${stdout}`);
  let seconds = 0;
  const speeds: number[] = [];
  for (const [i, line] of lines.entries()) {
    const [code, speed, total] = line.split(' ').map(Number) as [number, number, number];
    if (!transfers[i]!.expect.includes(code)) throw new Error(`curl transfer ${i + 1}/${transfers.length} to ${transfers[i]!.url} answered HTTP ${code}`);
    seconds += total;
    speeds.push(speed);
  }
  return { seconds, speeds };
}

/** The file cut at the plan's boundaries (written once; curl reads each piece with --data-binary @piece). */
function pieces(file: string, dir: string, name: string, chunkSize: number, chunkCount: number, size: number): { path: string; first: number; last: number }[] {
  const fd = openSync(file, 'r');
  try {
    return Array.from({ length: chunkCount }, (_, i) => {
      const first = i * chunkSize;
      const length = i === chunkCount - 1 ? size - first : chunkSize;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, first);
      const path = join(dir, `${name}-${i}.bin`);
      writeFileSync(path, buffer);
      return { path, first, last: first + length - 1 };
    });
  } finally {
    closeSync(fd);
  }
}

// ── Platforms ────────────────────────────────────────────────────────────────────────────────────

interface Measured {
  seconds: number;
  /** The driver's peak RSS and live buffer bytes above the start (bytes). */
  memory?: { rss: number; buffers: number };
}

interface Platform {
  name: string;
  /** How the driver sends the bytes, for the header. */
  plan: string;
  driver(): Promise<Measured>;
  baselines: { label: string; run(): Promise<Measured> }[];
}

interface Info {
  youtube: { url: string; tokenUrl: string; authorizeUrl: string; clientId: string; clientSecret: string };
  instagram: { url: string; tokenUrl: string; authorizeUrl: string; appId: string; appSecret: string };
  tiktok: { url: string; authorizeUrl: string; clientKey: string; clientSecret: string };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  const fakes = await startFakesHost();
  try {
    const video = join(dir, 'video.mp4');
    await makeTestVideo(video, { seconds: 2, width: 1080, height: 1920 });
    const head = statSync(video).size;
    if (head > uploadBytes) throw new Error(`BENCH_UPLOAD_MB is below the ${head}-byte MP4 it pads`);
    for (let left = uploadBytes - head; left > 0; left -= 16 * MB) appendFileSync(video, randomBytes(Math.min(left, 16 * MB)));
    const size = statSync(video).size;
    const sha256 = await sha256File(video);
    const info = await fakes.call<Info>('info');
    const peak = peakMemory();
    const marker = () => `ref:${randomBytes(6).toString('hex')}`;
    const post = (): ApiPost => {
      const ref = marker();
      return {
        publicationId: randomBytes(8).toString('hex'), videoPath: video, caption: `Benchmark upload #live\n${ref}`, tags: ['live'], marker: ref,
        trackingUrl: null, sensitive: false, language: 'es', media: { durationSeconds: 30, width: 1080, height: 1920, sizeBytes: size },
      };
    };
    const verify = async (what: string, stored: { size: number; sha256: string } | null) => {
      if (!stored || stored.size !== size || stored.sha256 !== sha256) {
        throw new Error(`${what}: the fake holds ${stored ? `${stored.size} bytes (sha256 ${stored.sha256.slice(0, 12)}…)` : 'nothing'}, not the file's ${size} bytes (${sha256.slice(0, 12)}…)`);
      }
    };
    /** One driver publish with its own context (fresh resume state and quota), timed and its peak RSS taken. */
    const timeDriver = async <C extends ApiCredentials>(driver: ApiPlatformDriver<C>, apps: ApiApps, creds: C, settings: AccountPublishSettings = {}) => {
      const ctx = testApiContext(driver, apps, creds, { username: 'bench', settings, timeoutMs: callTimeoutMs });
      const thePost = post();
      peak.start();
      const started = performance.now();
      const ref = await driver.publish(ctx, thePost);
      const seconds = (performance.now() - started) / 1000;
      const memory = peak.stop();
      return { ctx, ref, seconds, memory };
    };
    let accounts = 0;
    const nextName = (prefix: string) => `${prefix}_${process.pid}_${++accounts}`;

    // YouTube: resumable session; curl PUTs the bytes to the session URI.
    const ytApps = apiApps({
      YOUTUBE_API_ROOT: info.youtube.url, GOOGLE_OAUTH_TOKEN_URL: info.youtube.tokenUrl, GOOGLE_OAUTH_AUTHORIZE_URL: info.youtube.authorizeUrl,
      GOOGLE_CLIENT_ID: info.youtube.clientId, GOOGLE_CLIENT_SECRET: info.youtube.clientSecret,
    });
    const ytChunk = Math.min(YOUTUBE_UPLOAD_CHUNK_BYTES, size);
    const ytPieces = pieces(video, dir, 'youtube', ytChunk, Math.ceil(size / ytChunk), size);
    const ytSession = async () => {
      const creds = await fakes.call<YoutubeCredentials>('youtube.account', `@${nextName('yt')}`);
      const res = await fetch(`${info.youtube.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-length': String(size), 'x-upload-content-type': 'video/mp4' },
        body: JSON.stringify({ snippet: { title: 'Benchmark upload', description: marker(), categoryId: '22' }, status: { privacyStatus: 'private' } }),
      });
      const uri = res.headers.get('location');
      if (res.status !== 200 || !uri) throw new Error(`YouTube session: HTTP ${res.status} ${await res.text()}`);
      return { creds, uri, uploadId: new URL(uri).searchParams.get('upload_id')! };
    };
    const youtube: Platform = {
      name: 'YouTube',
      plan: `resumable session, ${ytPieces.length} PUTs of ≤ ${ytChunk} bytes`,
      async driver() {
        const creds = await fakes.call<YoutubeCredentials>('youtube.account', `@${nextName('yt')}`);
        const run = await timeDriver(youtubeDriver, ytApps, creds);
        await verify('YouTube driver', await fakes.call('youtube.stored', { videoId: run.ref.externalId }));
        return run;
      },
      baselines: [
        {
          label: 'one request',
          async run() {
            const { creds, uri, uploadId } = await ytSession();
            // Content-Range on the single PUT too: the fake takes a PUT without one for a status query (the guide's
            // step 3 sends none), so this is the form every chunk of a resumable upload uses.
            const { seconds } = await curlUpload([{
              url: uri, method: 'PUT', file: video, expect: [200, 201],
              headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'video/mp4', 'content-range': `bytes 0-${size - 1}/${size}` },
            }]);
            await verify('YouTube curl', await fakes.call('youtube.stored', { uploadId }));
            return { seconds };
          },
        },
        {
          label: "driver's chunks",
          async run() {
            const { creds, uri, uploadId } = await ytSession();
            const { seconds } = await curlUpload(ytPieces.map((p) => ({
              url: uri, method: 'PUT' as const, file: p.path, expect: p.last === size - 1 ? [200, 201] : [308],
              headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'video/mp4', 'content-range': `bytes ${p.first}-${p.last}/${size}` },
            })));
            await verify('YouTube curl (chunks)', await fakes.call('youtube.stored', { uploadId }));
            return { seconds };
          },
        },
      ],
    };

    // Instagram: a REELS container with upload_type=resumable; curl POSTs the whole file to its rupload `uri`.
    const igApps = apiApps({
      INSTAGRAM_GRAPH_ROOT: info.instagram.url, INSTAGRAM_AUTHORIZE_URL: info.instagram.authorizeUrl, INSTAGRAM_TOKEN_URL: info.instagram.tokenUrl,
      INSTAGRAM_APP_ID: info.instagram.appId, INSTAGRAM_APP_SECRET: info.instagram.appSecret,
    });
    // Polls as soon as the bytes are in (the fake processes instantly): publish() measures the upload, not Meta's wait.
    const igDriver = createInstagramDriver({ polling: { firstMs: 10, factor: 2, maxMs: 80, limitMs: 5_000 } });
    const instagram: Platform = {
      name: 'Instagram',
      plan: 'rupload, one POST of the whole file',
      async driver() {
        const creds = await fakes.call<InstagramCredentials>('instagram.account', nextName('ig'));
        const run = await timeDriver(igDriver, igApps, creds);
        const containerId = run.ctx.savedProgress.at(-1)?.containerId;
        await verify('Instagram driver', await fakes.call('instagram.stored', String(containerId)));
        return run;
      },
      baselines: [{
        label: 'one request',
        async run() {
          const creds = await fakes.call<InstagramCredentials>('instagram.account', nextName('ig'));
          const res = await fetch(`${info.instagram.url}/${igApps.apis.instagram.graphVersion}/${creds.igUserId}/media`, {
            method: 'POST',
            headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ media_type: 'REELS', upload_type: 'resumable', caption: `Benchmark upload\n${marker()}` }).toString(),
          });
          const container = (await res.json()) as { id?: string; uri?: string };
          if (res.status !== 200 || !container.id || !container.uri) throw new Error(`Instagram container: HTTP ${res.status} ${JSON.stringify(container)}`);
          const { seconds } = await curlUpload([{
            url: container.uri, method: 'POST', file: video, expect: [200],
            headers: { authorization: `OAuth ${creds.accessToken}`, offset: '0', file_size: String(size), 'content-type': 'application/octet-stream' },
          }]);
          await verify('Instagram curl', await fakes.call('instagram.stored', container.id));
          return { seconds };
        },
      }],
    };

    // TikTok: direct post init (FILE_UPLOAD); curl PUTs to upload_url with Content-Range.
    const ttApps = apiApps({
      TIKTOK_API_ROOT: info.tiktok.url, TIKTOK_AUTHORIZE_URL: info.tiktok.authorizeUrl, TIKTOK_CLIENT_KEY: info.tiktok.clientKey,
      TIKTOK_CLIENT_SECRET: info.tiktok.clientSecret, TIKTOK_APP_AUDITED: 'false',
    });
    const ttPlan = chunkPlan(size);
    const ttPieces = pieces(video, dir, 'tiktok', ttPlan.chunkSize, ttPlan.chunkCount, size);
    // The media transfer guide's bounds ("MB" read strictly, as the fake does): one chunk of the whole file up to 64 MB.
    const ttWhole = size <= 64_000_000;
    const ttInit = async (chunkSize: number, chunkCount: number) => {
      // A creator per upload: init allows 6 a minute per token, and a creator 15 posts a day.
      const creds = await fakes.call<TikTokCredentials>('tiktok.account', nextName('tt'));
      const res = await fetch(`${info.tiktok.url}/v2/post/publish/video/init/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${creds.accessToken}`, 'content-type': 'application/json; charset=UTF-8' },
        body: JSON.stringify({
          post_info: { title: `Benchmark upload\n${marker()}`, privacy_level: 'SELF_ONLY', brand_content_toggle: false, brand_organic_toggle: false },
          source_info: { source: 'FILE_UPLOAD', video_size: size, chunk_size: chunkSize, total_chunk_count: chunkCount },
        }),
      });
      const body = (await res.json()) as { data?: { publish_id?: string; upload_url?: string } };
      if (res.status !== 200 || !body.data?.publish_id || !body.data.upload_url) throw new Error(`TikTok init: HTTP ${res.status} ${JSON.stringify(body)}`);
      return { publishId: body.data.publish_id, uploadUrl: body.data.upload_url };
    };
    const ttTransfer = (url: string, file: string, first: number, last: number): CurlTransfer => ({
      url, method: 'PUT', file, expect: last === size - 1 ? [201] : [206],
      headers: { 'content-type': 'video/mp4', 'content-range': `bytes ${first}-${last}/${size}` },
    });
    const tiktok: Platform = {
      name: 'TikTok',
      plan: `direct post, ${ttPlan.chunkCount} chunk PUTs (chunk_size ${ttPlan.chunkSize})`,
      async driver() {
        const creds = await fakes.call<TikTokCredentials>('tiktok.account', nextName('tt'));
        const run = await timeDriver(tiktokDriver, ttApps, creds);
        const publishId = run.ctx.savedProgress.at(-1)?.publishId;
        await verify('TikTok driver', await fakes.call('tiktok.stored', String(publishId)));
        return run;
      },
      baselines: [
        ...(ttWhole ? [{
          label: 'one request',
          async run() {
            const { publishId, uploadUrl } = await ttInit(size, 1);
            const { seconds } = await curlUpload([ttTransfer(uploadUrl, video, 0, size - 1)]);
            await verify('TikTok curl', await fakes.call('tiktok.stored', publishId));
            return { seconds };
          },
        }] : []),
        {
          label: "driver's chunks",
          async run() {
            const { publishId, uploadUrl } = await ttInit(ttPlan.chunkSize, ttPlan.chunkCount);
            const { seconds } = await curlUpload(ttPieces.map((p) => ttTransfer(uploadUrl, p.path, p.first, p.last)));
            await verify('TikTok curl (chunks)', await fakes.call('tiktok.stored', publishId));
            return { seconds };
          },
        },
      ],
    };

    const platforms = [youtube, instagram, tiktok];
    const { stdout: curlVersion } = await execFileAsync(curlBinary, ['--version']);
    console.log(`${size} bytes (${(size / MB).toFixed(1)} MB, an MP4 start padded with random bytes), ${runs} runs each after a warm-up round, loopback; ` +
      `fakes in their own process (pid ${fakes.pid}); ${curlVersion.split('\n')[0]}; Node ${process.version}`);
    console.log(`driver memory: peak RSS (${peak.method}) and peak live buffers (arrayBuffers, sampled every 2 ms), over their values after a full GC before each publish()`);
    for (const p of platforms) console.log(`  ${p.name}: driver ${p.plan}`);

    const results = new Map<Platform, { warmUp?: Measured; driver: Measured[]; baselines: Measured[][] }>();
    for (const p of platforms) results.set(p, { driver: [], baselines: p.baselines.map(() => []) });
    const describe = (what: string, m: Measured) => `${what.padEnd(34)} ${(m.seconds * 1000).toFixed(0).padStart(6)} ms  ${mbps(size, m.seconds).toFixed(0).padStart(5)} MB/s` +
      (m.memory ? `  peak RSS +${(m.memory.rss / MB).toFixed(1)} MB, live buffers +${(m.memory.buffers / MB).toFixed(1)} MB` : '');
    // Round 0 warms up (lazy module parts, fetch's first connection pool) and is not counted.
    for (let round = 0; round <= runs; round++) {
      const label = round === 0 ? 'warm-up' : `run ${round}`;
      console.log(`\n${label}${round === 0 ? ' (not counted)' : ''}`);
      for (const p of platforms) {
        const d = await p.driver();
        console.log(`  ${describe(`${p.name} driver publish()`, d)}`);
        if (round > 0) results.get(p)!.driver.push(d);
        else results.get(p)!.warmUp = d;
        for (const [i, b] of p.baselines.entries()) {
          const m = await b.run();
          console.log(`  ${describe(`${p.name} curl, ${b.label}`, m)}`);
          if (round > 0) results.get(p)!.baselines[i]!.push(m);
        }
      }
    }

    const rows: string[][] = [['', 'driver MB/s', 'curl MB/s (1 request)', 'driver / curl', "curl MB/s (driver's chunks)", 'driver / that', 'driver peak RSS Δ: warm-up / runs', 'driver live buffers (max)']];
    for (const p of platforms) {
      const r = results.get(p)!;
      const driver = median(r.driver.map((m) => mbps(size, m.seconds)));
      const cell = (label: string) => {
        const i = p.baselines.findIndex((b) => b.label === label);
        if (i < 0) return undefined;
        return median(r.baselines[i]!.map((m) => mbps(size, m.seconds)));
      };
      const whole = cell('one request');
      const chunked = cell("driver's chunks");
      rows.push([
        p.name, driver.toFixed(0),
        whole === undefined ? '—' : whole.toFixed(0), whole === undefined ? '—' : (driver / whole).toFixed(2),
        chunked === undefined ? '(same)' : chunked.toFixed(0), chunked === undefined ? '—' : (driver / chunked).toFixed(2),
        `+${(r.warmUp!.memory!.rss / MB).toFixed(1)} / +${(Math.max(...r.driver.map((m) => m.memory!.rss)) / MB).toFixed(1)} MB`,
        `+${(Math.max(r.warmUp!.memory!.buffers, ...r.driver.map((m) => m.memory!.buffers)) / MB).toFixed(1)} MB`,
      ]);
    }
    console.log(`\nmedians of ${runs} runs (MB = 10^6 bytes); every upload's bytes checked against the file's SHA-256 in the fake`);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    console.log(`(file ${(size / MB).toFixed(1)} MB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
  } finally {
    await fakes.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--fakes')) {
  serveFakes().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
