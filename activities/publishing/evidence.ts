/**
 * Evidence of a failed browser job (issue 4, item 2): a Playwright trace (actions with DOM
 * snapshots, network, console; no screencast), a full-page screenshot, the page HTML and an
 * info.json with URL and error, written to `<evidenceDir>/<publication>/<attempt>/` under the
 * names in contracts/evidence.ts.
 *
 * This is the Playwright side: it gathers every secret value the browser knows (cookies,
 * local/session storage, hidden inputs, CSRF metas, password fields, caller-supplied extras) and
 * hands files and values to redaction.ts, so nothing written here holds a session. Capture is best
 * effort: each step has its own deadline, a failing step is recorded in info.json, and nothing here
 * ever throws over the job's original error.
 *
 * The raw trace holds every secret in clear text (and whatever the page uploaded): it only ever
 * exists in a private (0700) `evidence-tmp-*` directory that is removed when capture ends, and
 * `sweepEvidenceTemp` removes those a crash left behind. The scrub streams it (redaction.ts), so a
 * large trace costs disk and time, never memory; what it drops is listed in info.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { EvidenceFile } from '../../contracts/evidence.js';
import { SecretSet, redactUrl, scrubHtml, scrubTraceFile, type TraceLimits, type TraceScrubReport } from './redaction.js';

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
  /** Where the private directory of the raw trace is made (default: the OS temp dir). */
  tempDir?: string;
  traceLimits?: Partial<TraceLimits>;
  /** Whether a trace was started for this job (default true); without one there is no trace.zip, and info.json says so. */
  traced?: boolean;
}

/** Whether this publish attempt (1 = the first) records a trace: EVIDENCE_TRACE in config.ts. */
export function traceAttempt(mode: 'retries' | 'always' | 'off', attempt: number): boolean {
  return mode === 'always' || (mode === 'retries' && attempt > 1);
}

/** Prefix of the private directories raw traces live in; sweepEvidenceTemp looks for it. */
export const EVIDENCE_TEMP_PREFIX = 'evidence-tmp-';

/**
 * Removes the raw-trace directories a crash left in `root` (clear-text sessions): those older than
 * `olderThanMs`, so a capture running in another process right now keeps its own. Returns the names removed.
 */
export async function sweepEvidenceTemp(root: string, olderThanMs = 30 * 60_000): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(EVIDENCE_TEMP_PREFIX)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs < olderThanMs) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * What the trace records: every action (its call, timing, log and error) with the DOM before and after it, the
 * network and the console (all of it scrubbed before it is kept). No screencast: its frames were the largest cost
 * tracing put on every publication, success or not (issue 16, bench/README.md), and a failure's own full-page
 * screenshot is taken apart, below. DOM snapshots stay: Playwright records the network only with them.
 */
const traceOptions = { screenshots: false, snapshots: true, sources: false } as const;

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

  // The raw trace holds every secret in clear text: it is written into a private directory that goes
  // away when capture ends — or whenever a late stop finally writes it.
  const tempRoot = opts.tempDir ?? tmpdir();
  const traced = opts.traced !== false;
  const rawDir = !traced ? undefined : await mkdir(tempRoot, { recursive: true, mode: 0o700 })
    .then(() => mkdtemp(join(tempRoot, EVIDENCE_TEMP_PREFIX)))
    .catch((e: Error) => {
      problems.trace = `no temporary directory: ${oneLine(e.message)}`;
      return undefined;
    });
  const rawTrace = rawDir ? join(rawDir, 'trace.zip') : undefined;
  const removeRaw = () => (rawDir ? rm(rawDir, { recursive: true, force: true }).catch(() => undefined) : Promise.resolve());
  let scrubReport: TraceScrubReport | undefined;
  let screenshot: Buffer | undefined;
  let html: string | undefined;
  try {
    if (rawTrace) {
      const stopping = context.tracing.stop({ path: rawTrace });
      await attempt('trace', deadlines.trace, () => stopping);
      if (problems.trace) void stopping.then(removeRaw, removeRaw);
    }

    screenshot = await attempt('screenshot', deadlines.screenshot, () =>
      page.screenshot({ fullPage: true, timeout: deadlines.screenshot, animations: 'disabled' }),
    );
    html = await attempt('html', deadlines.html, () => page.content());

    if (rawTrace && !problems.trace) {
      const target = pathOf('trace.zip');
      const partial = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        scrubReport = await scrubTraceFile(rawTrace, partial, secrets, opts.traceLimits);
        await rename(partial, target);
        files.push('trace.zip');
      } catch (e) {
        problems.trace = `scrub failed: ${oneLine((e as Error).message)}`;
        await rm(partial, { force: true }).catch(() => undefined);
      }
    }
  } finally {
    await removeRaw();
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
    // No trace was recorded for this attempt (EVIDENCE_TRACE): not a failure to capture one.
    ...(traced ? {} : { traced: false }),
    // What the scrub left out of trace.zip: upload payloads and oversized entries, by name and size.
    ...(scrubReport?.dropped.length ? { traceDropped: scrubReport.dropped } : {}),
    ...(scrubReport?.droppedLines ? { traceDroppedEvents: scrubReport.droppedLines } : {}),
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
