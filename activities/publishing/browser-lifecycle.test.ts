/**
 * Chromium's lifecycle in the BrowserRuntime: not started until the first browser job, closed after the idle
 * time, never while a job holds a slot, relaunched by the next job (also by one arriving while it closes); and its
 * sandbox: on for a non-root user, `--no-sandbox` (with a warning) only for root. Real Chromium, real PostgreSQL.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserLayer, type BrowserLayer } from '../../test/helpers/browser-layer.js';
import { waitFor } from '../../test/helpers/wait.js';
import { BrowserRuntime, chromiumLaunchSettings, type BrowserJob } from './browser.js';

/** Chromium browser processes started by this process (its direct children named chromium). */
function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /chrom/i.test(name)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const emptySession = { cookies: [], origins: [] };

describe('Chromium lifecycle', () => {
  let layer: BrowserLayer;
  const idleCloseMs = 500;
  let runtime: BrowserRuntime;

  beforeAll(async () => {
    layer = await startBrowserLayer();
    runtime = new BrowserRuntime({ ...layer.runtime.opts, idleCloseMs });
  });
  afterAll(async () => {
    await runtime?.close();
    await layer?.close();
  });

  /** One browser job on the seeded account; `hold` keeps it (and its slot) until it resolves. */
  const job = (hold?: (job: BrowserJob) => Promise<void>) =>
    runtime.withAccount(layer.seeded.accountId, async (browserJob) => {
      await browserJob.page.goto('data:text/html,<p>job</p>');
      const seen = { state: runtime.chromiumState, chromium: chromiumChildren() };
      await hold?.(browserJob);
      return seen;
    }, { storageState: emptySession });

  it('starts without Chromium, launches it on the first job, closes it when idle and relaunches it for the next', async () => {
    expect(runtime.chromiumState).toBe('stopped');
    expect(chromiumChildren()).toEqual([]);

    // The idle time passes three times over while a job holds its slot: Chromium stays.
    const first = await job(async () => {
      await new Promise((resolve) => setTimeout(resolve, idleCloseMs * 3));
      expect(runtime.chromiumState).toBe('running');
    });
    expect(first.state).toBe('running');
    expect(first.chromium).toHaveLength(1);

    await waitFor(async () => runtime.chromiumState === 'stopped' && chromiumChildren().length === 0, { what: 'Chromium closed after the idle time', timeoutMs: 15_000, intervalMs: 50 });

    const second = await job();
    expect(second.state).toBe('running');
    expect(second.chromium).toHaveLength(1);
    expect(second.chromium[0]).not.toBe(first.chromium[0]);
    await waitFor(async () => runtime.chromiumState === 'stopped' && chromiumChildren().length === 0, { what: 'Chromium closed again', timeoutMs: 15_000, intervalMs: 50 });
  });

  it('a job arriving while the idle Chromium closes waits for the close, then relaunches it', async () => {
    const warm = new BrowserRuntime({ ...layer.runtime.opts, idleCloseMs: 60_000 });
    try {
      await warm.withAccount(layer.seeded.accountId, async () => undefined, { storageState: emptySession });
      expect(warm.chromiumState).toBe('running');
      // Fire the idle close by hand (as its timer would) and send a job at once.
      const closing = (warm as unknown as { closeIdle(): Promise<void> }).closeIdle();
      expect(warm.chromiumState).toBe('closing');
      const states: string[] = [];
      await warm.withAccount(layer.seeded.accountId, async ({ page }) => {
        await page.goto('data:text/html,<p>after close</p>');
        states.push(warm.chromiumState);
      }, { storageState: emptySession });
      await closing;
      expect(states).toEqual(['running']);
      expect(warm.chromiumState).toBe('running');
    } finally {
      await warm.close();
    }
    expect(warm.chromiumState).toBe('stopped');
  });

  it('records traces only in a private folder of its own under the evidence temp dir, removed when Chromium closes', async () => {
    const evidenceTempDir = mkdtempSync(join(tmpdir(), 'traces-dir-test-'));
    const traced = new BrowserRuntime({ ...layer.runtime.opts, idleCloseMs: 60_000, evidenceTempDir });
    try {
      const during = await traced.withAccount(layer.seeded.accountId, async (browserJob) => {
        await browserJob.page.goto('data:text/html,<p>traced</p>');
        return readdirSync(evidenceTempDir);
      }, { storageState: emptySession, evidenceDir: join(evidenceTempDir, 'evidence-unused') });
      // While Chromium runs: one private folder, named like the capture's temp folders (swept after a crash).
      const own = during.filter((name) => name.startsWith(`evidence-tmp-playwright-${process.pid}-`));
      expect(own).toHaveLength(1);
      expect(statSync(join(evidenceTempDir, own[0]!)).mode & 0o777).toBe(0o700);
      await traced.close();
      expect(readdirSync(evidenceTempDir).filter((name) => name.startsWith('evidence-tmp-'))).toEqual([]);
    } finally {
      await traced.close();
      rmSync(evidenceTempDir, { recursive: true, force: true });
    }
  });
});

describe('Chromium sandbox', () => {
  it('is on for a non-root user and off (--no-sandbox) only for root', () => {
    expect(chromiumLaunchSettings(1000)).toMatchObject({ chromiumSandbox: true });
    expect(chromiumLaunchSettings(1000).args).not.toContain('--no-sandbox');
    expect(chromiumLaunchSettings(undefined)).toMatchObject({ chromiumSandbox: true }); // no getuid (Windows)
    expect(chromiumLaunchSettings(0)).toMatchObject({ chromiumSandbox: false });
    expect(chromiumLaunchSettings(0).args).toContain('--no-sandbox');
  });

  it('warns at start when it must run without the sandbox (root), and only then', () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    new BrowserRuntime({
      chromiumPath: '/usr/bin/chromium', slots: 1, db: undefined as never, log, waitTimeoutMs: 1000,
      crossProcessLock: false, lockTimeoutMs: 1000,
    } as unknown as ConstructorParameters<typeof BrowserRuntime>[0]);
    const warnings = lines.filter((line) => line.level === 40 && line.msg.includes('--no-sandbox'));
    expect(warnings).toHaveLength(process.getuid?.() === 0 ? 1 : 0);
  });
});
