// A worker or bot process whose Temporal workers or Telegram polling stopped must exit non-zero, so its supervisor
// (Docker's `restart: unless-stopped`) starts it again, instead of living on doing nothing.
//
// Real causes, cheap to produce:
// - worker: SIGUSR2 (or SIGQUIT). The Temporal SDK's Runtime shuts every worker down on SIGINT, SIGTERM, SIGQUIT and
//   SIGUSR2 (its default `shutdownSignals`); main.ts only handles SIGINT/SIGTERM, so SIGUSR2 (nodemon's restart
//   signal, a stray `kill -USR2`) used to leave a process with no worker polling.
// - bot: another deployment registers a webhook on the same token. Telegram then answers getUpdates with 409
//   Conflict and @grammyjs/runner stops (401 and 409 are unrecoverable for it); the process used to keep running.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { writeWorkflowBundle } from '../worker/index.js';
import { startFakeTelegram, type FakeTelegram } from './fakes/telegram-server.js';
import { testLifecycleEnv } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const mainPath = fileURLToPath(new URL('../main.ts', import.meta.url));

let dataDir: string;
let bundlePath: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'trafico-fatal-'));
  // The worker loads a prebuilt bundle instead of running webpack.
  bundlePath = join(dataDir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundlePath);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** `main.ts <role>` as the CLI runs it, with its output collected and its exit awaited. */
function startRole(role: 'worker' | 'bot', env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath, role], {
    env: {
      ...process.env,
      DATA_DIR: join(dataDir, role),
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      API_TOKEN: randomBytes(18).toString('base64url'),
      ADMIN_PASSWORD: 'fatal-admin-password',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LOG_LEVEL: 'info',
      ...testLifecycleEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => output,
    /** Resolves when the log says `text`; fails if the process exits first or at the deadline. */
    async logged(text: string, timeoutMs = 90_000) {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode}:\n${output.slice(-2000)}`);
        return output.includes(text);
      }, { timeoutMs, intervalMs: 100, what: `"${text}" from the ${role} process` });
    },
  };
}

/** The exit, or a failure naming how long the process lived on. */
function exitWithin<T>(exited: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    exited,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still running ${ms} ms later`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

describe('a role whose work stopped exits non-zero', () => {
  it('worker: the Temporal runtime shuts its workers down (SIGUSR2) → exit 1 after closing', async () => {
    const worker = startRole('worker', {});
    await worker.logged('workers running');
    // The heartbeat the compose healthcheck reads is written while the workers poll.
    await waitFor(async () => readdirSync(join(dataDir, 'worker', 'tmp')).some((f) => f.startsWith('heartbeat-worker-')), {
      timeoutMs: 15_000, intervalMs: 100, what: 'the worker heartbeat file',
    });

    worker.child.kill('SIGUSR2');
    const { code } = await exitWithin(worker.exited, 30_000, 'the worker whose Temporal workers stopped');
    expect(code).toBe(1);
    expect(worker.output()).toContain('a worker stopped unexpectedly');
  });

  it('worker: SIGTERM is a normal stop → exit 0', async () => {
    const worker = startRole('worker', {});
    await worker.logged('workers running');
    worker.child.kill('SIGTERM');
    const { code } = await exitWithin(worker.exited, 30_000, 'the worker told to stop');
    expect(code, worker.output().slice(-3000)).toBe(0);
    expect(worker.output()).not.toContain('a worker stopped unexpectedly');
  });

  describe('bot', () => {
    let tg: FakeTelegram;
    beforeAll(async () => {
      tg = await startFakeTelegram();
    });
    afterAll(async () => {
      await tg?.close();
    });

    it('Telegram stops its polling with 409 (a webhook set elsewhere on the token) → exit 1', async () => {
      const bot = startRole('bot', { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_LOCAL_API: 'false' });
      await bot.logged('telegram bot ready');
      // Polling starts right after deleteWebhook.
      await tg.waitForCall((c) => c.method === 'deleteWebhook', { timeoutMs: 30_000 });
      await waitFor(async () => readdirSync(join(dataDir, 'bot', 'tmp')).some((f) => f.startsWith('heartbeat-bot-')), {
        timeoutMs: 15_000, intervalMs: 100, what: 'the bot heartbeat file',
      });

      const other = await fetch(`${tg.apiRoot}/bot${tg.token}/setWebhook`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://other-deployment.example/telegram' }),
      });
      expect(other.ok).toBe(true);
      const { code } = await exitWithin(bot.exited, 30_000, 'the bot whose polling stopped');
      expect(code).toBe(1);
      expect(bot.output()).toContain('telegram polling stopped');
    });
  });
});
