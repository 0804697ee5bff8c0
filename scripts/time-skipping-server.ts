/**
 * The time-skipping Temporal server the workflow tests use (test/time-skipping.test.ts): our own small Go
 * program (scripts/time-skipping-server/) around the Temporal server's `temporaltest` package, with the
 * server's per-workflow time skipping turned on. Built with `go build` from the Go module proxy into the
 * same cache dir as the Temporal CLI; the binary's name carries a hash of its sources, so a change rebuilds it.
 * (The SDK's own time-skipping server is a Java download, which this project never fetches.)
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot, temporalCacheDir } from './temporal.js';

const execFileAsync = promisify(execFile);
const sourceDir = join(repoRoot, 'scripts', 'time-skipping-server');

export function timeSkippingServerPath(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(sourceDir, file)));
  return join(temporalCacheDir(), `time-skipping-server-${hash.digest('hex').slice(0, 12)}`);
}

function findGo(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

export function buildInstructions(path = timeSkippingServerPath()): string {
  return [
    `The time-skipping Temporal server is not built (expected at ${path}).`,
    'Build it once (Go >= 1.26, a few minutes) with:',
    '  npx tsx scripts/ensure-time-skipping-server.ts',
    'or set TIME_SKIPPING_SERVER=/path/to/a/build of scripts/time-skipping-server.',
  ].join('\n');
}

/** Returns the path of the server binary, building it if allowed and missing. */
export async function findTimeSkippingServer(opts: { build?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const fromEnv = process.env.TIME_SKIPPING_SERVER;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TIME_SKIPPING_SERVER=${fromEnv} does not exist`);
    return fromEnv;
  }
  const path = timeSkippingServerPath();
  if (existsSync(path)) return path;
  if (!opts.build) throw new Error(buildInstructions(path));
  const go = findGo();
  if (!go) throw new Error(`${buildInstructions(path)}\n\nGo was not found on PATH or in /usr/local/go/bin.`);
  mkdirSync(temporalCacheDir(), { recursive: true });
  const log = opts.log ?? ((line) => console.error(line));
  log('Building the time-skipping Temporal server with go build (one time, a few minutes)…');
  const started = Date.now();
  try {
    await execFileAsync(go, ['build', '-o', path, '.'], { cwd: sourceDir, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`${buildInstructions(path)}\n\ngo build failed: ${(error as Error).message}`);
  }
  log(`time-skipping server built in ${Math.round((Date.now() - started) / 1000)} s → ${path}`);
  return path;
}

export interface TimeSkippingServer {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

/** Starts the server (loopback, random port, in-memory database) and resolves once it accepts connections. */
export async function startTimeSkippingServer(path: string, readyTimeoutMs = 60_000): Promise<TimeSkippingServer> {
  const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<{ address: string; namespace: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`time-skipping server not ready after ${readyTimeoutMs} ms:\n${stderr}`)), readyTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`time-skipping server exited (code ${code}, signal ${signal}):\n${stderr}`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { address: string; namespace: string });
      } catch {
        reject(new Error(`time-skipping server said "${line}" instead of its address`));
      }
    });
  });
  lines.on('line', () => undefined);
  return {
    ...ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
