/**
 * One shared Chromium per worker process; one BrowserContext per job, built from the account's
 * decrypted storageState with a stable locale/timezone/viewport (and proxy, if set), and saved back
 * after the job unless the stored session changed meanwhile. Browser slots bound concurrency; a
 * per-account lock (in process, plus a PostgreSQL advisory lock across worker processes) keeps two
 * jobs of one account from ever running at once.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { decryptJson, encryptJson, secretBindings, type Keyring } from '../../crypto/secrets.js';
import type { Db } from '../../db/client.js';
import { accountContext, saveSessionIfUnchanged, storeAccountSession, type AccountContext } from '../../db/accounts.js';
import type { AccountLocks } from '../../db/locks.js';
import { captureEvidence, discardTrace, EVIDENCE_TEMP_PREFIX, startTrace, sweepEvidenceTemp } from './evidence.js';
import { PublishError, sessionExpired, withEvidence } from './errors.js';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

const chromiumArgs = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Chromium's launch settings for a user id. Playwright turns the sandbox off unless told
 * `chromiumSandbox: true`; Chromium refuses to run sandboxed as root, so only root goes without
 * (with a warning at start). Debian's chromium has no setuid helper: the sandbox needs unprivileged
 * user namespaces, which docker-compose.yml's worker allows (README, "Chromium sandbox").
 */
export function chromiumLaunchSettings(uid: number | undefined): { chromiumSandbox: boolean; args: string[] } {
  const root = uid === 0;
  return { chromiumSandbox: !root, args: root ? ['--no-sandbox', ...chromiumArgs] : [...chromiumArgs] };
}

/** What a failed sandboxed launch usually means, said so an operator can act on it. */
const sandboxHint = ' (the Chromium sandbox needs unprivileged user namespaces: see README, "Chromium sandbox")';

/** Errors after which the context's cookies are not worth keeping (the platform logged us out). */
const sessionLostErrors = new Set(['SessionExpired', 'Challenge']);

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export interface BrowserJob extends AccountContext {
  context: BrowserContext;
  page: Page;
}

export interface JobOptions {
  /** Where to store the trace, screenshot and HTML if the job fails; none = no evidence kept. */
  evidenceDir?: string;
  /** Record a Playwright trace for that evidence (default true; false keeps screenshot, HTML and error only). */
  trace?: boolean;
  /** Start from this storageState instead of the saved one (a credentials login starts empty). */
  storageState?: StorageState;
}

export interface BrowserRuntimeOptions {
  chromiumPath: string;
  slots: number;
  keyring: Keyring;
  db: Db;
  log: Logger;
  /** Deadline of every single browser wait. */
  waitTimeoutMs: number;
  /**
   * Locks accounts across worker processes (PostgreSQL, `DbHandle.accountLocks`), on connections of
   * their own so a job never holds a pool connection; none for the single-process embedded PGlite.
   */
  accountLocks?: AccountLocks;
  /** How long to wait for an account another process is driving. */
  lockTimeoutMs: number;
  /** Close Chromium after this long with no job holding a slot; 0 = keep it until close(). Default 5 min. */
  idleCloseMs?: number;
  /**
   * Where raw (clear-text) traces wait for their scrub, each in a private directory removed at once;
   * leftovers of a crash are removed when the runtime starts. Default: the OS temp dir.
   */
  evidenceTempDir?: string;
}

/** Where the shared Chromium is: not running until the first job, closed again after the idle time. */
export type ChromiumState = 'stopped' | 'starting' | 'running' | 'closing';

export class BrowserRuntime {
  private browser?: Promise<Browser>;
  private launched = false;
  /**
   * Where this Chromium's Playwright writes the traces it is recording (request bodies and cookies in clear text):
   * a private folder under the evidence temp dir, named like the capture's temp folders so a crash's leftovers are
   * swept at the next start, and removed when the browser closes. Playwright's default is its own /tmp folder,
   * which nothing cleans after a crash.
   */
  private tracesDir?: string;
  private launches = 0;
  /** Set while an idle Chromium is being closed: a job arriving then waits for it, then relaunches. */
  private closing?: Promise<void>;
  private idleTimer?: NodeJS.Timeout;
  /** Jobs holding a slot (between acquire and release): Chromium is never closed while any does. */
  private jobsInSlots = 0;
  private readonly slots: Semaphore;
  private readonly accountTails = new Map<string, Promise<void>>();
  private readonly launchSettings = chromiumLaunchSettings(process.getuid?.());

  constructor(readonly opts: BrowserRuntimeOptions) {
    this.slots = new Semaphore(opts.slots);
    // Raw traces a crash left behind hold sessions in clear text: gone before any new job runs.
    void sweepEvidenceTemp(opts.evidenceTempDir ?? tmpdir()).then(
      (removed) => removed.length && opts.log.info({ removed: removed.length }, 'removed raw traces left by an earlier crash'),
      (error: Error) => opts.log.warn({ err: error.message }, 'could not sweep leftover raw traces'),
    );
    if (!this.launchSettings.chromiumSandbox) {
      opts.log.warn('running as root: Chromium starts with --no-sandbox; run the worker as a non-root user (the image does) to keep the sandbox on');
    }
  }

  get chromiumState(): ChromiumState {
    if (this.closing) return 'closing';
    if (!this.browser) return 'stopped';
    return this.launched ? 'running' : 'starting';
  }

  /** Browser jobs holding a slot right now, and the slots there are (the `trafico_browser_slots*` metrics). */
  get slotUse(): { busy: number; total: number } {
    return { busy: this.jobsInSlots, total: this.opts.slots };
  }

  private launch(): Promise<Browser> {
    if (this.browser) return this.browser;
    const { chromiumSandbox, args } = this.launchSettings;
    // playwright-core is loaded with the first launch: ~60 MB a process that never publishes does not need.
    const tracesDir = join(this.opts.evidenceTempDir ?? tmpdir(), `${EVIDENCE_TEMP_PREFIX}playwright-${process.pid}-${++this.launches}`);
    this.tracesDir = tracesDir;
    const launching = mkdir(tracesDir, { recursive: true, mode: 0o700 })
      .then(() => import('playwright-core'))
      .then(({ chromium }) => chromium.launch({ executablePath: this.opts.chromiumPath, headless: true, chromiumSandbox, args, tracesDir }))
      .then((browser) => {
        this.launched = true;
        browser.on('disconnected', () => {
          void rm(tracesDir, { recursive: true, force: true }).catch(() => undefined);
          if (this.browser === launching) this.forget();
        });
        return browser;
      })
      .catch((error: Error) => {
        if (this.browser === launching) this.forget();
        const hint = chromiumSandbox && /sandbox|namespace/i.test(error.message) ? sandboxHint : '';
        throw new Error(`cannot launch Chromium at ${this.opts.chromiumPath}: ${error.message}${hint}`);
      });
    this.browser = launching;
    return launching;
  }

  private forget() {
    this.browser = undefined;
    this.launched = false;
  }

  /** A job takes a slot: no idle close from now on; if one is under way, wait for it (launch() then relaunches). */
  private async enterSlot(): Promise<void> {
    this.jobsInSlots++;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    while (this.closing) await this.closing;
  }

  private leaveSlot() {
    this.jobsInSlots--;
    const idleMs = this.opts.idleCloseMs ?? 300_000;
    if (this.jobsInSlots > 0 || idleMs <= 0 || !this.browser) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.closeIdle(), idleMs);
    this.idleTimer.unref(); // an idle timer never keeps the process alive
  }

  private async closeIdle(): Promise<void> {
    this.idleTimer = undefined;
    if (this.jobsInSlots > 0 || this.closing || !this.browser) return;
    this.opts.log.info('closing Chromium: no browser job for the idle time (BROWSER_IDLE_CLOSE_SECONDS)');
    this.closing = this.closeBrowser().finally(() => (this.closing = undefined));
    await this.closing;
  }

  private async closeBrowser(): Promise<void> {
    const browser = this.browser;
    this.forget();
    if (browser) await (await browser.catch(() => undefined))?.close().catch(() => undefined);
  }

  /**
   * Runs fn with exclusive use of the account, inside one browser slot. The account row is read
   * after the lock is taken, so a job always starts from the newest saved session.
   */
  async withAccount<T>(accountId: string, fn: (job: BrowserJob) => Promise<T>, options: JobOptions = {}): Promise<T> {
    return this.withAccountExclusive(accountId, () => this.runJob(accountId, fn, options));
  }

  /**
   * The account's locks alone: in process (jobs of one account queue here) and across processes
   * (an advisory lock on its own connection, waited for at most BROWSER_LOCK_TIMEOUT_SECONDS:
   * AccountLockTimeout or ConnectionWaitTimeout, both retryable).
   */
  async withAccountExclusive<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.accountTails.get(accountId) ?? Promise.resolve();
    let unlock!: () => void;
    const tail = new Promise<void>((resolve) => (unlock = resolve));
    this.accountTails.set(accountId, previous.then(() => tail));
    await previous;
    try {
      const locks = this.opts.accountLocks;
      return locks ? await locks.hold(accountId, this.opts.lockTimeoutMs, fn) : await fn();
    } finally {
      unlock();
      if (this.accountTails.get(accountId) === tail) this.accountTails.delete(accountId);
    }
  }

  private async runJob<T>(accountId: string, fn: (job: BrowserJob) => Promise<T>, options: JobOptions): Promise<T> {
    const setup = await accountContext(this.opts.db, accountId);
    if (!setup) throw new PublishError('RejectedByPlatform', `account ${accountId} does not exist`);
    const storageState = options.storageState ?? this.decryptState(setup);
    const releaseSlot = await this.slots.acquire();
    await this.enterSlot();
    try {
      const browser = await this.launch();
      const context = await browser.newContext({ ...this.contextOptions(setup), storageState });
      context.setDefaultTimeout(this.opts.waitTimeoutMs);
      context.setDefaultNavigationTimeout(this.opts.waitTimeoutMs);
      const tracing = options.evidenceDir !== undefined && options.trace !== false;
      try {
        if (tracing) {
          // A sweep by another worker on the same volume may have taken the folder of a long-idle browser.
          if (this.tracesDir) await mkdir(this.tracesDir, { recursive: true, mode: 0o700 });
          await startTrace(context);
        }
        const page = await context.newPage();
        let result: T;
        try {
          result = await fn({ ...setup, context, page });
        } catch (error) {
          if (!options.evidenceDir) throw error;
          const evidence = await captureEvidence({ context, page, dir: options.evidenceDir, error: error as Error, tempDir: this.opts.evidenceTempDir, traced: tracing }).catch((captureError: Error) => {
            this.opts.log.warn({ err: captureError.message }, 'could not capture failure evidence');
            return undefined;
          });
          const typed = withEvidence(error, evidence?.dir);
          if (!sessionLostErrors.has(typed.type)) await this.saveBack(setup, context, options, storageState);
          throw typed;
        }
        if (tracing) await discardTrace(context);
        await this.saveBack(setup, context, options, storageState);
        return result;
      } finally {
        await context.close().catch(() => undefined);
      }
    } finally {
      this.leaveSlot();
      releaseSlot();
    }
  }

  /** Same locale, timezone and viewport on every run of an account: a stable "device" for the platform. */
  private contextOptions({ account, model }: AccountContext): BrowserContextOptions {
    const profile = account.browserProfile ?? {};
    const language = model.distribution.language;
    const options: BrowserContextOptions = {
      locale: profile.locale ?? (language === 'en' ? 'en-US' : 'es-ES'),
      timezoneId: profile.timezoneId ?? model.distribution.timezone,
      viewport: profile.viewport ?? { width: 1280, height: 900 },
    };
    if (profile.userAgent) options.userAgent = profile.userAgent;
    if (account.proxyEncrypted) options.proxy = proxySettings(decryptJson<{ url: string }>(this.opts.keyring, secretBindings.accountProxy(account.id), account.proxyEncrypted).url);
    return options;
  }

  /** Stores the context's session if it changed during the job (a platform that rotates cookies keeps us logged in). */
  private async saveBack({ account }: AccountContext, context: BrowserContext, options: JobOptions, loaded: StorageState) {
    if (options.storageState) return; // a login job stores its session itself, once it has proven it
    const state = await context.storageState().catch(() => undefined);
    if (!state) return;
    // The same cookies and storage as loaded: writing them back would change nothing but cost a round trip.
    if (account.sessionSaved && sameSession(state, loaded)) return;
    const saved = await saveSessionIfUnchanged(this.opts.db, account.id, account.authData, encryptJson(this.opts.keyring, secretBindings.accountAuthData(account.id), state));
    if (!saved) this.opts.log.info({ accountId: account.id }, 'session changed during the job; kept the newer one');
  }

  /** Stores a session proven valid (a credentials login), replacing whatever was saved. */
  async storeSession(accountId: string, state: StorageState): Promise<void> {
    await storeAccountSession(this.opts.db, accountId, encryptJson(this.opts.keyring, secretBindings.accountAuthData(accountId), state));
  }

  private decryptState({ account }: AccountContext): StorageState {
    if (!account.authData) throw sessionExpired(`account @${account.username} has no saved session`);
    let state: StorageState;
    try {
      state = decryptJson<StorageState>(this.opts.keyring, secretBindings.accountAuthData(account.id), account.authData);
    } catch {
      throw sessionExpired(`the saved session of @${account.username} cannot be read (corrupt or encrypted with another key)`);
    }
    if (!state || !Array.isArray(state.cookies) || !Array.isArray(state.origins)) {
      throw sessionExpired(`the saved session of @${account.username} is not a browser session (no cookies list)`);
    }
    return state;
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await this.closing;
    await this.closeBrowser();
  }
}

/** Two sessions hold the same cookies (every field) and web storage, order aside; expiries compared to the second. */
export function sameSession(a: StorageState, b: StorageState): boolean {
  const cookies = (state: StorageState) =>
    state.cookies
      .map((c) => JSON.stringify(Object.entries({ ...c, expires: Math.round(c.expires) }).sort(([x], [y]) => (x < y ? -1 : 1))))
      .sort();
  const origins = (state: StorageState) =>
    state.origins
      .map((o) => JSON.stringify([o.origin, o.localStorage.map((item) => [item.name, item.value]).sort()]))
      .sort();
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((value, i) => value === y[i]);
  return same(cookies(a), cookies(b)) && same(origins(a), origins(b));
}

/** `http://user:pass@host:port` → Playwright's proxy settings (credentials kept out of the server URL). */
export function proxySettings(url: string): NonNullable<BrowserContextOptions['proxy']> {
  const parsed = new URL(url);
  const settings: NonNullable<BrowserContextOptions['proxy']> = { server: `${parsed.protocol}//${parsed.host}` };
  if (parsed.username) settings.username = decodeURIComponent(parsed.username);
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  return settings;
}
