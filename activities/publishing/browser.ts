/**
 * One shared Chromium per worker process; one BrowserContext per job built from the account's
 * decrypted storageState, saved back encrypted after the job. Browser slots bound concurrency and a
 * per-account lock keeps two jobs of one account from running at once (in this process; the
 * cross-process lock comes with the publishing-layer issue).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Logger } from 'pino';
import { decryptJson, encryptJson } from '../../db/crypto.js';
import type { Db } from '../../db/client.js';
import { saveAccountSession } from '../../db/queries.js';
import type { PlatformAccount } from '../../db/schema.js';
import { sessionExpired } from './errors.js';

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

export interface BrowserJob {
  context: BrowserContext;
  page: Page;
}

export interface BrowserRuntimeOptions {
  chromiumPath: string;
  slots: number;
  encryptionKey: Buffer;
  db: Db;
  log: Logger;
}

export class BrowserRuntime {
  private browser?: Promise<Browser>;
  private readonly slots: Semaphore;
  private readonly accountTails = new Map<string, Promise<void>>();

  constructor(private readonly opts: BrowserRuntimeOptions) {
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

  /** Runs fn with exclusive use of the account, inside one browser slot. */
  async withAccount<T>(account: PlatformAccount, fn: (job: BrowserJob) => Promise<T>): Promise<T> {
    const previous = this.accountTails.get(account.id) ?? Promise.resolve();
    let unlock!: () => void;
    const tail = new Promise<void>((resolve) => (unlock = resolve));
    this.accountTails.set(account.id, previous.then(() => tail));
    await previous;
    const releaseSlot = await this.slots.acquire();
    try {
      const storageState = this.decryptState(account);
      const browser = await this.launch();
      const context = await browser.newContext({
        storageState,
        locale: 'es-ES',
        timezoneId: 'UTC',
        viewport: { width: 1280, height: 900 },
      });
      try {
        const page = await context.newPage();
        const result = await fn({ context, page });
        await saveAccountSession(this.opts.db, account.id, encryptJson(this.opts.encryptionKey, await context.storageState()));
        return result;
      } finally {
        await context.close().catch(() => undefined);
      }
    } finally {
      releaseSlot();
      unlock();
      if (this.accountTails.get(account.id) === tail) this.accountTails.delete(account.id);
    }
  }

  private decryptState(account: PlatformAccount): StorageState {
    if (!account.authData) throw sessionExpired(`account @${account.username} has no saved session`);
    try {
      return decryptJson<StorageState>(this.opts.encryptionKey, account.authData);
    } catch {
      throw sessionExpired(`the saved session of @${account.username} cannot be read (corrupt or encrypted with another key)`);
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}

/** Screenshot, page HTML (hidden tokens blanked) and URL; cookies are never written. */
export async function captureEvidence(page: Page, dir: string, error: Error): Promise<string> {
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, 'screenshot.png'), fullPage: true, timeout: 10_000 }).catch(() => undefined);
  const html = await page.content().catch(() => '');
  const scrubbed = html.replace(/(<input[^>]*type="hidden"[^>]*value=")[^"]*"/gi, '$1[redacted]"');
  await writeFile(join(dir, 'page.html'), scrubbed);
  await writeFile(join(dir, 'info.json'), JSON.stringify({ url: page.url(), error: error.message, at: new Date().toISOString() }, null, 2));
  return dir;
}
