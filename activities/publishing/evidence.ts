/**
 * Evidence of a failed browser job (issue 4, item 2): a Playwright trace, a full-page screenshot,
 * the page HTML and an info.json with URL and error, written to
 * `<evidenceDir>/<publication>/<attempt>/` under the names in contracts/evidence.ts.
 *
 * This is the Playwright side: it gathers every secret value the browser knows (cookies,
 * local/session storage, hidden inputs, CSRF metas, password fields, caller-supplied extras) and
 * hands files and values to redaction.ts, so nothing written here holds a session. Capture is best
 * effort: each step has its own deadline, a failing step is recorded in info.json, and nothing here
 * ever throws over the job's original error.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { EvidenceFile } from '../../contracts/evidence.js';
import { SecretSet, redactUrl, scrubHtml, scrubTraceZipWith } from './redaction.js';

export interface EvidenceManifest {
  dir: string;
  /** What was actually written (info.json unless even that failed). */
  files: EvidenceFile[];
}

/** Milliseconds each capture step may take before it is given up (the others still run). */
export interface EvidenceDeadlines {
  secrets: number;
  trace: number;
  screenshot: number;
  html: number;
}

export const defaultEvidenceDeadlines: EvidenceDeadlines = { secrets: 5_000, trace: 30_000, screenshot: 15_000, html: 10_000 };

export interface CaptureEvidenceOptions {
  context: BrowserContext;
  page: Page;
  dir: string;
  error: Error;
  /** Values only the caller knows (a typed password, an API key) to redact as well. */
  extraSecrets?: string[];
  deadlines?: Partial<EvidenceDeadlines>;
}

const traceOptions = { screenshots: true, snapshots: true, sources: false } as const;

export async function startTrace(context: BrowserContext): Promise<void> {
  await context.tracing.start(traceOptions);
}

/** Stops tracing without writing anything (the job succeeded). Never throws: success stays success. */
export async function discardTrace(context: BrowserContext, timeoutMs = 10_000): Promise<void> {
  await withDeadline('discard trace', timeoutMs, () => context.tracing.stop()).catch(() => undefined);
}

export async function captureEvidence(opts: CaptureEvidenceOptions): Promise<EvidenceManifest> {
  const { context, page, dir } = opts;
  // Whatever was thrown (drivers may throw non-Errors), so recording it can never throw itself.
  const error = opts.error instanceof Error ? opts.error : new Error(String(opts.error));
  const deadlines = { ...defaultEvidenceDeadlines, ...opts.deadlines };
  const files: EvidenceFile[] = [];
  // Only the contract's names can be written, so the API serves everything a failure leaves.
  const pathOf = (file: EvidenceFile) => join(dir, file);
  const problems: Record<string, string> = {};
  const attempt = async <T>(step: string, ms: number, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withDeadline(step, ms, fn);
    } catch (e) {
      problems[step] = oneLine((e as Error)?.message ?? String(e));
      return undefined;
    }
  };

  try {
    await mkdir(dir, { recursive: true });
  } catch {
    // Nowhere to write: an empty manifest, never an exception that would hide the job's error.
    return { dir, files };
  }

  // Secrets first, while page and context are still as the job left them.
  const secrets = new SecretSet();
  for (const value of opts.extraSecrets ?? []) secrets.add(value);
  await Promise.all([
    attempt('cookies', deadlines.secrets, async () => {
      for (const c of await context.cookies()) secrets.add(c.value);
    }),
    attempt('storage', deadlines.secrets, async () => {
      const state = await context.storageState();
      for (const c of state.cookies) secrets.add(c.value);
      for (const origin of state.origins) for (const item of origin.localStorage) secrets.addStored(item.name, item.value);
    }),
    attempt('page secrets', deadlines.secrets, async () => {
      const perFrame = await Promise.all(
        page.frames().map((frame) => frame.evaluate<PageSecret[]>(pageSecretsScript).catch(() => [] as PageSecret[])),
      );
      for (const [kind, name, value] of perFrame.flat()) {
        if (kind === 'storage') secrets.addStored(name, value);
        else if (kind === 'field') secrets.addField(name, value);
        else secrets.add(value);
      }
    }),
  ]);

  const url = safeCall(() => page.url()) ?? '';
  redactUrl(url, (value) => secrets.add(value));

  // The raw trace holds every secret in clear text: it gets a hidden name (never served) and is
  // deleted as soon as the scrubbed copy exists — or whenever a late stop finally writes it.
  const rawTrace = join(dir, `.trace-raw-${randomBytes(6).toString('hex')}.zip`);
  const stopping = context.tracing.stop({ path: rawTrace });
  await attempt('trace', deadlines.trace, () => stopping);
  if (problems.trace) void stopping.then(() => rm(rawTrace, { force: true }), () => undefined);

  const screenshot = await attempt('screenshot', deadlines.screenshot, () =>
    page.screenshot({ fullPage: true, timeout: deadlines.screenshot, animations: 'disabled' }),
  );
  const html = await attempt('html', deadlines.html, () => page.content());

  if (!problems.trace) {
    try {
      const scrubbed = scrubTraceZipWith(new Uint8Array(await readFile(rawTrace)), secrets);
      await writeAtomic(pathOf('trace.zip'), scrubbed);
      files.push('trace.zip');
    } catch (e) {
      problems.trace = `scrub failed: ${oneLine((e as Error).message)}`;
    } finally {
      await rm(rawTrace, { force: true }).catch(() => undefined);
    }
  }

  // Trace and HTML scrubbing may have found more secrets (cookies in headers, typed passwords,
  // hidden inputs of a page the evaluate could not reach): redact with the complete set.
  const structuralHtml = html === undefined ? undefined : scrubHtml(html, (name, value) => secrets.addField(name, value));
  const redact = secrets.redactor();
  if (screenshot) {
    await writeAtomic(pathOf('screenshot.png'), screenshot).then(
      () => files.push('screenshot.png'),
      (e: Error) => (problems.screenshot = oneLine(e.message)),
    );
  }
  if (structuralHtml !== undefined) {
    await writeAtomic(pathOf('page.html'), redact(structuralHtml)).then(
      () => files.push('page.html'),
      (e: Error) => (problems.html = oneLine(e.message)),
    );
  }

  files.push('info.json');
  const typed = (error as Error & { type?: unknown }).type;
  const info = {
    url: redact(redactUrl(url)),
    error: {
      // PublishError carries its typed kind (SessionExpired, Challenge…); other errors only a name.
      type: typeof typed === 'string' ? typed : error.name,
      name: error.name,
      message: redact(String(error.message)).slice(0, 20_000),
    },
    at: new Date().toISOString(),
    files,
    ...(Object.keys(problems).length ? { problems: Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, redact(v)])) } : {}),
  };
  try {
    await writeAtomic(pathOf('info.json'), JSON.stringify(info, null, 2));
  } catch {
    files.pop();
  }
  return { dir, files };
}

// ---------------------------------------------------------------------------------------------
// Secrets the page holds

type PageSecret = ['field' | 'password' | 'meta' | 'storage', string, string];

/**
 * Runs in every frame: hidden and password inputs, CSRF metas and web storage. A string so it is
 * not type-checked against the DOM (the project's lib has none).
 */
const pageSecretsScript = `(() => {
  const out = [];
  for (const input of document.querySelectorAll('input[type=hidden i]')) out.push(['field', input.name, input.value]);
  for (const input of document.querySelectorAll('input[type=password i]')) out.push(['password', input.name, input.value]);
  for (const meta of document.querySelectorAll('meta[name*=csrf i], meta[name*=xsrf i], meta[name*=token i]')) out.push(['meta', meta.name, meta.content]);
  for (const store of [() => localStorage, () => sessionStorage]) {
    try {
      const s = store();
      for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push(['storage', k, s.getItem(k) ?? '']); }
    } catch { /* storage blocked for this origin */ }
  }
  return out;
})()`;

function safeCall<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Deadlines and files

export class DeadlineExceeded extends Error {
  constructor(step: string, ms: number) {
    super(`${step} timed out after ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

function withDeadline<T>(step: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(step, ms)), ms);
  });
  // fn() is called inside the race so a synchronous throw becomes a rejection too.
  return Promise.race([Promise.resolve().then(fn), deadline]).finally(() => clearTimeout(timer));
}

/** Write then rename, so the API never serves a half-written file. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

function oneLine(text: string): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}
