/**
 * One shared Chromium per worker process; one BrowserContext per job, built from the account's
 * decrypted storageState with a stable locale/timezone/viewport (and proxy, if set), and saved back
 * after the job unless the stored session changed meanwhile. Browser slots bound concurrency; a
 * per-account lock (in process, plus a PostgreSQL advisory lock across worker processes) keeps two
 * jobs of one account from ever running at once.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { Logger } from 'pino';
import { decryptJson, encryptJson } from '../../crypto/secrets.js';
import type { Db } from '../../db/client.js';
import { accountContext, saveSessionIfUnchanged, storeAccountSession, withAccountLock, type AccountContext } from '../../db/accounts.js';
import { captureEvidence, discardTrace, startTrace } from './evidence.js';
import { PublishError, sessionExpired, withEvidence } from './errors.js';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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
  /** Start from this storageState instead of the saved one (a credentials login starts empty). */
  storageState?: StorageState;
}

export interface BrowserRuntimeOptions {
  chromiumPath: string;
  slots: number;
  encryptionKey: Buffer;
  db: Db;
  log: Logger;
  /** Deadline of every single browser wait. */
  waitTimeoutMs: number;
  /** Lock accounts across worker processes (PostgreSQL); off for the single-process embedded PGlite. */
  crossProcessLock: boolean;
  /** How long to wait for an account another process is driving. */
  lockTimeoutMs: number;
}

export class BrowserRuntime {
  private browser?: Promise<Browser>;
  private readonly slots: Semaphore;
  private readonly accountTails = new Map<string, Promise<void>>();

  constructor(readonly opts: BrowserRuntimeOptions) {
    this.slots = new Semaphore(opts.slots);
  }

  private launch(): Promise<Browser> {
    this.browser ??= chromium
      .launch({ executablePath: this.opts.chromiumPath, headless: true, args: chromiumArgs })
      .then((browser) => {
        browser.on('disconnected', () => (this.browser = undefined));
        return browser;
      })
      .catch((error: Error) => {
        this.browser = undefined;
        throw new Error(`cannot launch Chromium at ${this.opts.chromiumPath}: ${error.message}`);
      });
    return this.browser;
  }

  /**
   * Runs fn with exclusive use of the account, inside one browser slot. The account row is read
   * after the lock is taken, so a job always starts from the newest saved session.
   */
  async withAccount<T>(accountId: string, fn: (job: BrowserJob) => Promise<T>, options: JobOptions = {}): Promise<T> {
    const previous = this.accountTails.get(accountId) ?? Promise.resolve();
    let unlock!: () => void;
    const tail = new Promise<void>((resolve) => (unlock = resolve));
    this.accountTails.set(accountId, previous.then(() => tail));
    await previous;
    try {
      const run = () => this.runJob(accountId, fn, options);
      return this.opts.crossProcessLock ? await withAccountLock(this.opts.db, accountId, this.opts.lockTimeoutMs, run) : await run();
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
    try {
      const browser = await this.launch();
      const context = await browser.newContext({ ...this.contextOptions(setup), storageState });
      context.setDefaultTimeout(this.opts.waitTimeoutMs);
      context.setDefaultNavigationTimeout(this.opts.waitTimeoutMs);
      try {
        if (options.evidenceDir) await startTrace(context);
        const page = await context.newPage();
        let result: T;
        try {
          result = await fn({ ...setup, context, page });
        } catch (error) {
          if (!options.evidenceDir) throw error;
          const evidence = await captureEvidence({ context, page, dir: options.evidenceDir, error: error as Error }).catch((captureError: Error) => {
            this.opts.log.warn({ err: captureError.message }, 'could not capture failure evidence');
            return undefined;
          });
          const typed = withEvidence(error, evidence?.dir);
          if (!sessionLostErrors.has(typed.type)) await this.saveBack(setup, context, options);
          throw typed;
        }
        if (options.evidenceDir) await discardTrace(context);
        await this.saveBack(setup, context, options);
        return result;
      } finally {
        await context.close().catch(() => undefined);
      }
    } finally {
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
    if (account.proxyEncrypted) options.proxy = proxySettings(decryptJson<{ url: string }>(this.opts.encryptionKey, account.proxyEncrypted).url);
    return options;
  }

  private async saveBack({ account }: AccountContext, context: BrowserContext, options: JobOptions) {
    if (options.storageState) return; // a login job stores its session itself, once it has proven it
    const state = await context.storageState().catch(() => undefined);
    if (!state) return;
    const saved = await saveSessionIfUnchanged(this.opts.db, account.id, account.authData, encryptJson(this.opts.encryptionKey, state));
    if (!saved) this.opts.log.info({ accountId: account.id }, 'session changed during the job; kept the newer one');
  }

  /** Stores a session proven valid (a credentials login), replacing whatever was saved. */
  async storeSession(accountId: string, state: StorageState): Promise<void> {
    await storeAccountSession(this.opts.db, accountId, encryptJson(this.opts.encryptionKey, state));
  }

  private decryptState({ account }: AccountContext): StorageState {
    if (!account.authData) throw sessionExpired(`account @${account.username} has no saved session`);
    let state: StorageState;
    try {
      state = decryptJson<StorageState>(this.opts.encryptionKey, account.authData);
    } catch {
      throw sessionExpired(`the saved session of @${account.username} cannot be read (corrupt or encrypted with another key)`);
    }
    if (!state || !Array.isArray(state.cookies) || !Array.isArray(state.origins)) {
      throw sessionExpired(`the saved session of @${account.username} is not a browser session (no cookies list)`);
    }
    return state;
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}

/** `http://user:pass@host:port` → Playwright's proxy settings (credentials kept out of the server URL). */
export function proxySettings(url: string): NonNullable<BrowserContextOptions['proxy']> {
  const parsed = new URL(url);
  const settings: NonNullable<BrowserContextOptions['proxy']> = { server: `${parsed.protocol}//${parsed.host}` };
  if (parsed.username) settings.username = decodeURIComponent(parsed.username);
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  return settings;
}
