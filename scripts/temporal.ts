/**
 * Finds (or builds) the Temporal CLI and runs its dev server from temporal-dev.yaml.
 * Never downloads release binaries: PATH, then a cache dir outside the repo, then `go install`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, createWriteStream } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, delimiter } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const execFileAsync = promisify(execFile);
export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..');

const TemporalDevConfig = z.object({
  cli: z.object({ version: z.string(), module: z.string() }),
  server: z.object({
    ip: z.string().default('127.0.0.1'),
    port: z.number().int(),
    uiPort: z.number().int(),
    namespace: z.string().default('default'),
    dbFile: z.string(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']).default('warn'),
  }),
  searchAttributes: z.record(z.string(), z.enum(['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'])),
});
export type TemporalDevConfig = z.infer<typeof TemporalDevConfig>;

export function loadTemporalDevConfig(file = join(repoRoot, 'temporal-dev.yaml')): TemporalDevConfig {
  return TemporalDevConfig.parse(parseYaml(readFileSync(file, 'utf8')));
}

export function temporalCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, '100-trafico', 'bin');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function installInstructions(config: TemporalDevConfig): string {
  return [
    'The Temporal CLI was not found and could not be built.',
    'Install Go (>= 1.23) and run:',
    `  GOBIN=${temporalCacheDir()} go install ${config.cli.module}@${config.cli.version}`,
    'or put a `temporal` binary on PATH, or set TEMPORAL_CLI=/path/to/temporal.',
  ].join('\n');
}

/** Returns the path of a usable Temporal CLI, building the pinned version if allowed. */
export async function findTemporalCli(
  opts: { build?: boolean; log?: (line: string) => void } = {},
): Promise<string> {
  const config = loadTemporalDevConfig();
  const log = opts.log ?? ((line) => console.error(line));
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not exist`);
    return fromEnv;
  }
  const pathBinary = onPath('temporal');
  if (pathBinary) return pathBinary;
  const cached = join(temporalCacheDir(), 'temporal');
  if (existsSync(cached)) return cached;
  if (opts.build === false) throw new Error(installInstructions(config));
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(installInstructions(config));
  mkdirSync(temporalCacheDir(), { recursive: true });
  log(`Building the Temporal CLI ${config.cli.version} with go install (one time, a few minutes)…`);
  const started = Date.now();
  try {
    await execFileAsync(go, ['install', `${config.cli.module}@${config.cli.version}`], {
      env: { ...process.env, GOBIN: temporalCacheDir() },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`${installInstructions(config)}\n\ngo install failed: ${(error as Error).message}`);
  }
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s → ${cached}`);
  return cached;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartTemporalOptions {
  cliPath: string;
  config?: TemporalDevConfig;
  port?: number;
  uiPort?: number;
  /** Directory the yaml's relative dbFile resolves against (DATA_DIR). */
  dataDir: string;
  /** Absolute path overriding the yaml's dbFile. */
  dbFile?: string;
  headless?: boolean;
  logFile?: string;
  readyTimeoutMs?: number;
}

export function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise, reject) => {
    const attempt = () => {
      const socket = createConnection({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolvePromise();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`${host}:${port} did not open within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export function devServerArgs(config: TemporalDevConfig, opts: Omit<StartTemporalOptions, 'cliPath' | 'config'>): string[] {
  const s = config.server;
  const args = [
    'server', 'start-dev',
    '--ip', s.ip,
    '--port', String(opts.port ?? s.port),
    '--namespace', s.namespace,
    '--db-filename', resolve(opts.dataDir, opts.dbFile ?? s.dbFile),
    '--log-level', s.logLevel,
  ];
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? s.uiPort));
  for (const [name, type] of Object.entries(config.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);
  return args;
}

/** Starts `temporal server start-dev` and resolves once its frontend accepts connections. */
export async function startTemporalDevServer(opts: StartTemporalOptions): Promise<TemporalDevServer> {
  const config = opts.config ?? loadTemporalDevConfig();
  const port = opts.port ?? config.server.port;
  const uiPort = opts.uiPort ?? config.server.uiPort;
  mkdirSync(dirname(resolve(opts.dataDir, opts.dbFile ?? config.server.dbFile)), { recursive: true });
  const child = spawn(opts.cliPath, devServerArgs(config, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const out = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`temporal dev server exited early (code ${code}, signal ${signal})`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForPort(config.server.ip, port, opts.readyTimeoutMs ?? 60_000), exited]);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  };
  return {
    address: `${config.server.ip}:${port}`,
    uiUrl: `http://localhost:${uiPort}`,
    namespace: config.server.namespace,
    process: child,
    stop,
  };
}
