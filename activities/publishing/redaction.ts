/**
 * Secret removal for failure evidence: the admin downloads trace, HTML and info.json, so no
 * session may leak through them. Kept apart from capture (evidence.ts) because none of it needs a
 * browser: it works on strings and zip bytes, and its tests run without Chromium.
 *
 * Two kinds of work: structural scrubbing blanks values where their place says "secret" (cookie
 * and auth headers, secret query/form fields, hidden and password inputs, CSRF metas) and collects
 * them in a SecretSet; then every collected value, in each spelling it can take, is replaced by
 * `[redacted]` everywhere else (every text entry of the trace zip, byte-wise in binary ones).
 *
 * The trace is rewritten file to file, entry by entry and line by line (trace-zip.ts), so its size
 * never turns into memory: a request body above a limit (an upload's bytes) is dropped, as is any
 * entry above the entry limit or past the total, and the caller notes what was dropped.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ZipReader, ZipWriter } from './trace-zip.js';

export const REDACTED = '[redacted]';
/** Shorter values are too likely to be ordinary words or numbers to replace everywhere. */
export const MIN_SECRET_LENGTH = 6;

// ---------------------------------------------------------------------------------------------
// Which names and values are secret

/** Names of fields, parameters, storage keys and attributes whose values are credentials. */
const SENSITIVE_NAME = /token|csrf|xsrf|session|sig|key|secret|pass|pwd|auth|jwt|otp|bearer|^sid$|^code$/i;
/** Query parameters treated as secret in URLs (the list plus close relatives). */
const SECRET_QUERY_NAME = /token|csrf|xsrf|session|sig|key|secret|password|auth|jwt|^sid$|^code$/i;
const SECRET_HEADERS = new Set([
  'cookie', 'set-cookie', 'authorization', 'proxy-authorization', 'x-csrf-token', 'x-xsrf-token', 'x-api-key', 'x-auth-token',
]);

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || (lower.startsWith('x-') && SENSITIVE_NAME.test(lower));
}

/** Random-looking: long, no spaces, letters and digits, not a path or URL. */
function looksLikeToken(value: string): boolean {
  return /^\S{12,}$/.test(value) && /[A-Za-z]/.test(value) && /\d/.test(value) && !/^(\/|[a-z][a-z0-9+.-]*:)/i.test(value);
}

/**
 * Every secret value found so far, from any source (capture adds cookies, storage and page fields;
 * scrubbing adds what it blanks), and the redactor that replaces them all in a text.
 */
export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || value === REDACTED || !value.trim()) return;
    this.values.add(value);
  }

  /**
   * A hidden form field. Its value is always blanked where it is stored, but it is only redacted
   * everywhere else when the name says credential or the value looks random: replacing a
   * `next=/upload` or `lang=es-ES` across the whole trace would ruin the evidence for nothing.
   */
  addField(name: string, value: string): void {
    if (SENSITIVE_NAME.test(name) || looksLikeToken(value)) this.add(value);
  }

  /** A stored value (storage item): the whole value, and, for JSON, its leaves under secret-looking keys (a JWT inside a session object). */
  addStored(name: string, value: string): void {
    this.add(value);
    if (!/^\s*[[{]/.test(value)) return;
    try {
      collectSensitiveLeaves(JSON.parse(value), SENSITIVE_NAME.test(name), (leaf) => this.add(leaf));
    } catch {
      /* not JSON after all */
    }
  }

  /** Every spelling a value takes in the files: raw, JSON-escaped (once and twice), URL- and form-encoded, HTML-escaped; longest first so overlaps redact fully. */
  variants(): string[] {
    const out = new Set<string>();
    for (const v of this.values) {
      const json = JSON.stringify(v).slice(1, -1);
      for (const variant of [v, json, JSON.stringify(json).slice(1, -1), encodeURIComponent(v), new URLSearchParams({ v }).toString().slice(2), escapeHtml(v)]) {
        if (variant.length >= MIN_SECRET_LENGTH) out.add(variant);
      }
    }
    return [...out].sort((a, b) => b.length - a.length);
  }

  redactor(): (text: string) => string {
    const variants = this.variants();
    return (text) => replaceAll(text, variants);
  }
}

function collectSensitiveLeaves(value: unknown, sensitive: boolean, add: (leaf: string) => void, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    if (sensitive) add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectSensitiveLeaves(item, sensitive, add, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSensitiveLeaves(v, sensitive || SENSITIVE_NAME.test(k), add, depth + 1);
  }
}

function replaceAll(text: string, variants: readonly string[]): string {
  let out = text;
  // includes() first: it is much cheaper than split/join on a large trace that lacks the value.
  for (const v of variants) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

const REDACTED_BYTES = Buffer.from(REDACTED);

function replaceAllBytes(data: Uint8Array, variants: readonly string[]): Uint8Array {
  let buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (const v of variants) {
    const needle = Buffer.from(v);
    let at = buf.indexOf(needle);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(buf.subarray(from, at), REDACTED_BYTES);
      from = at + needle.length;
      at = buf.indexOf(needle, from);
    }
    parts.push(buf.subarray(from));
    buf = Buffer.concat(parts);
  }
  return buf;
}

/**
 * Byte-wise redaction over a stream of chunks: the last (longest variant - 1) bytes are held back,
 * so a value split across two chunks is still found whole. Bytes of UTF-8 text match exactly where
 * its characters do, so this serves text and binary entries alike.
 */
class StreamRedactor {
  private carry: Buffer = Buffer.alloc(0);
  private readonly keep: number;
  constructor(private readonly variants: readonly string[]) {
    this.keep = Math.max(0, ...variants.map((v) => Buffer.byteLength(v) - 1));
  }

  push(chunk: Uint8Array): Buffer {
    const replaced = Buffer.from(replaceAllBytes(this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk, this.variants));
    const cut = Math.max(0, replaced.length - this.keep);
    this.carry = Buffer.from(replaced.subarray(cut));
    return replaced.subarray(0, cut);
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// ---------------------------------------------------------------------------------------------
// URLs

/**
 * Query (and fragment) parameters with secret-looking names get `[redacted]`; user:password@ is
 * dropped. `found` receives the removed values, so they are redacted wherever else they appear.
 */
export function redactUrl(url: string, found?: (value: string) => void): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_whole, scheme: string, userinfo: string) => {
    found?.(decodeLoosely(userinfo.slice(userinfo.indexOf(':') + 1)));
    return scheme;
  });
  out = out.replace(/([?&#;])([^=&#;]+)=([^&#;]*)/g, (whole, sep: string, name: string, value: string) => {
    if (!SECRET_QUERY_NAME.test(decodeLoosely(name))) return whole;
    found?.(decodeLoosely(value));
    found?.(value);
    return `${sep}${name}=${REDACTED}`;
  });
  return out;
}

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// HTML

/** Tags matched with quoted attribute values respected, so a '>' inside a value cannot end the tag early. */
const TAG = /<(input|meta)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
const ATTR = (name: string) => new RegExp(`(\\s${name}\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s"'>]+)`, 'i');
const attrValue = (tag: string, name: string) => {
  const m = ATTR(name).exec(tag);
  return m ? m[2]!.replace(/^["']|["']$/g, '') : undefined;
};

/**
 * Blanks hidden/password input values and CSRF metas; `found` gets each (field name, value) so the
 * caller can redact them elsewhere (a password or meta reports as name 'password' / 'csrf').
 */
export function scrubHtml(html: string, found?: (name: string, value: string) => void): string {
  return html.replace(TAG, (tag, kind: string) => {
    if (kind.toLowerCase() === 'input') {
      const type = attrValue(tag, 'type')?.toLowerCase();
      if (type !== 'hidden' && type !== 'password') return tag;
      const value = attrValue(tag, 'value');
      if (value !== undefined) found?.(type === 'password' ? 'password' : (attrValue(tag, 'name') ?? ''), unescapeHtml(value));
      return tag.replace(ATTR('value'), `$1"${REDACTED}"`);
    }
    const name = `${attrValue(tag, 'name') ?? ''} ${attrValue(tag, 'http-equiv') ?? ''}`;
    if (!/csrf|xsrf|token/i.test(name)) return tag;
    const content = attrValue(tag, 'content');
    if (content !== undefined) found?.('csrf', unescapeHtml(content));
    return tag.replace(ATTR('content'), `$1"${REDACTED}"`);
  });
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------------------------------------
// Trace zip

/** Entries kept byte for byte: compressed media cannot carry a readable token, and rewriting them gains nothing. */
const MEDIA_ENTRY = /\.(jpe?g|png|gif|webp|avif|bmp|ico|woff2?|ttf|otf|mp4|webm|mp3|ogg|wasm)$/i;
const JSONL_ENTRY = /\.(trace|network)$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TraceLimits {
  /** A request body (HAR postData file) above this is dropped: it is an upload's payload, not evidence. */
  maxRequestBodyBytes: number;
  /** Any other entry above this is dropped. */
  maxEntryBytes: number;
  /** Entries are kept, in order, until their uncompressed bytes reach this; the rest are dropped. */
  maxTotalBytes: number;
  /** A trace line (one event) above this is dropped. */
  maxLineBytes: number;
}

export const defaultTraceLimits: TraceLimits = {
  maxRequestBodyBytes: 1024 * 1024,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 128 * 1024 * 1024,
  maxLineBytes: 16 * 1024 * 1024,
};

export interface DroppedEntry {
  name: string;
  bytes: number;
  reason: 'upload body' | 'entry too large' | 'trace too large';
}

export interface TraceScrubReport {
  dropped: DroppedEntry[];
  /** Trace events longer than maxLineBytes, left out. */
  droppedLines: number;
}

/** Shared by the passes: request bodies the network log points at, and what was dropped. */
interface TraceScrubState {
  bodies: Map<string, string>;
  dropped: Map<string, DroppedEntry>;
}

/**
 * Rewrites the Playwright trace at `input` into `output` with secrets removed; adds what it finds
 * to `set`, so the caller can redact its other files with the complete list. Three passes over the
 * file, none holding more than one event line or one small request body: (1) the trace's event
 * lines, structurally scrubbed, collect secrets and the request bodies they point at; (2) request
 * bodies under the limit are read for their secret fields, larger ones are dropped; (3) every kept
 * entry is written, event lines scrubbed again and every known value replaced in every entry.
 */
export async function scrubTraceFile(input: string, output: string, set: SecretSet, limits: Partial<TraceLimits> = {}): Promise<TraceScrubReport> {
  const max = { ...defaultTraceLimits, ...limits };
  const zip = await ZipReader.open(input);
  const state: TraceScrubState = { bodies: new Map(), dropped: new Map() };
  let droppedLines = 0;
  try {
    const byName = new Map(zip.entries.map((entry) => [entry.name, entry]));
    for (const entry of zip.entries) {
      if (!JSONL_ENTRY.test(entry.name)) continue;
      for await (const line of lines(await zip.stream(entry), max.maxLineBytes)) {
        if (line !== undefined) scrubLine(line, set, state);
      }
    }
    for (const [name, mime] of state.bodies) {
      const entry = byName.get(name);
      if (!entry) continue;
      if (entry.size > max.maxRequestBodyBytes) state.dropped.set(name, { name, bytes: entry.size, reason: 'upload body' });
      else collectBodySecrets(lenient.decode(await zip.read(entry)), mime, set);
    }

    const variants = set.variants();
    const out = await ZipWriter.create(output);
    try {
      let total = 0;
      for (const entry of zip.entries) {
        const jsonl = JSONL_ENTRY.test(entry.name);
        if (state.dropped.has(entry.name)) continue;
        if (!jsonl && entry.size > max.maxEntryBytes) {
          state.dropped.set(entry.name, { name: entry.name, bytes: entry.size, reason: 'entry too large' });
          continue;
        }
        if (total + entry.size > max.maxTotalBytes && !jsonl) {
          state.dropped.set(entry.name, { name: entry.name, bytes: entry.size, reason: 'trace too large' });
          continue;
        }
        total += entry.size;
        const data = await zip.stream(entry);
        if (jsonl) {
          const rewritten = async function* () {
            for await (const line of lines(data, max.maxLineBytes)) {
              if (line === undefined) {
                droppedLines++;
                continue;
              }
              yield Buffer.from(replaceAll(scrubLine(line, set, state), variants) + '\n');
            }
          };
          await out.add(entry.name, rewritten());
        } else if (MEDIA_ENTRY.test(entry.name)) {
          // Compressed media cannot carry a readable token: copied as they are.
          await out.add(entry.name, data, { level: 0 });
        } else {
          await out.add(entry.name, redactStream(data, variants), { level: entry.size > 1024 * 1024 ? 1 : 6 });
        }
      }
      await out.close();
    } catch (error) {
      await out.abort();
      throw error;
    }
  } finally {
    await zip.close();
  }
  return { dropped: [...state.dropped.values()], droppedLines };
}

/** Byte buffers in, convenience for tests and small traces: the same streaming scrub through a private temp dir. */
export async function scrubTraceZip(zip: Uint8Array, knownSecrets: Iterable<string> = [], limits: Partial<TraceLimits> = {}): Promise<Uint8Array> {
  const set = new SecretSet();
  for (const value of knownSecrets) set.add(value);
  const dir = await mkdtemp(join(tmpdir(), 'trace-scrub-'));
  try {
    await writeFile(join(dir, 'in.zip'), zip, { mode: 0o600 });
    await scrubTraceFile(join(dir, 'in.zip'), join(dir, 'out.zip'), set, limits);
    return new Uint8Array(await readFile(join(dir, 'out.zip')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One event line structurally scrubbed (secrets collected into `set`); lines that are not JSON objects stay as they are. */
function scrubLine(line: string, set: SecretSet, state: TraceScrubState): string {
  if (!line.trim()) return line;
  try {
    const event = JSON.parse(line) as unknown;
    if (!isObject(event)) return line;
    scrubTraceEvent(event, set, state);
    return JSON.stringify(event);
  } catch {
    return line;
  }
}

/** The lines of a UTF-8 stream; a line longer than `maxBytes` comes out as undefined (its bytes are never gathered). */
async function* lines(data: Readable, maxBytes: number): AsyncGenerator<string | undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;
  for await (const piece of data) {
    let chunk = piece as Buffer;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a)) {
      const head = chunk.subarray(0, nl);
      if (skipping || pendingBytes + head.length > maxBytes) yield undefined;
      else yield lenient.decode(pendingBytes ? Buffer.concat([...pending, head]) : head);
      pending = [];
      pendingBytes = 0;
      skipping = false;
      chunk = chunk.subarray(nl + 1);
    }
    if (skipping || !chunk.length) continue;
    if (pendingBytes + chunk.length > maxBytes) {
      skipping = true;
      pending = [];
      pendingBytes = 0;
    } else {
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.length;
    }
  }
  if (skipping) yield undefined;
  else if (pendingBytes) yield lenient.decode(Buffer.concat(pending));
}

async function* redactStream(data: Readable, variants: readonly string[]): AsyncGenerator<Buffer> {
  const redactor = new StreamRedactor(variants);
  for await (const chunk of data) {
    const out = redactor.push(chunk as Buffer);
    if (out.length) yield out;
  }
  const rest = redactor.end();
  if (rest.length) yield rest;
}

function scrubTraceEvent(event: Json, secrets: SecretSet, state: TraceScrubState): void {
  const type = event.type;
  if (type === 'resource-snapshot' && isObject(event.snapshot)) scrubHarEntry(event.snapshot, secrets, state);
  else if (type === 'frame-snapshot' && isObject(event.snapshot)) {
    const snap = event.snapshot;
    const found = (value: string) => secrets.add(value);
    if (typeof snap.frameUrl === 'string') snap.frameUrl = redactUrl(snap.frameUrl, found);
    if (typeof snap.url === 'string') snap.url = redactUrl(snap.url, found);
    scrubDomNode(snap.html, secrets, 0);
  } else if (type === 'context-options' && isObject(event.options)) {
    for (const key of ['storageState', 'httpCredentials', 'extraHTTPHeaders', 'proxy', 'clientCertificates']) delete event.options[key];
  } else if (type === 'before' && isObject(event.params)) {
    // Text typed into a credential field (fill/type/press) is a secret wherever else it shows up.
    const { selector, value, text } = event.params;
    if (typeof selector === 'string' && /pass|pwd|token|secret|otp|csrf/i.test(selector)) {
      if (typeof value === 'string') secrets.add(value);
      if (typeof text === 'string') secrets.add(text);
    }
  }
}

/** Playwright DOM snapshot nodes: a string, [[snapshotIndex, nodeIndex]] (a reference), or [tag, attrs?, ...children]. */
function scrubDomNode(node: unknown, secrets: SecretSet, depth: number): void {
  if (!Array.isArray(node) || depth > 2000) return;
  if (typeof node[0] !== 'string') return;
  const tag = node[0].toUpperCase();
  const attrs = isObject(node[1]) ? (node[1] as Record<string, unknown>) : undefined;
  if (attrs) {
    const type = typeof attrs.type === 'string' ? attrs.type.toLowerCase() : '';
    if (tag === 'INPUT' && (type === 'hidden' || type === 'password')) {
      for (const key of ['value', '__playwright_value_']) {
        if (typeof attrs[key] === 'string') {
          if (type === 'password') secrets.add(attrs[key]);
          else secrets.addField(typeof attrs.name === 'string' ? attrs.name : '', attrs[key]);
          attrs[key] = type === 'password' ? '' : REDACTED;
        }
      }
    } else if (tag === 'META' && /csrf|xsrf|token/i.test(`${String(attrs.name ?? '')} ${String(attrs['http-equiv'] ?? '')}`) && typeof attrs.content === 'string') {
      secrets.add(attrs.content);
      attrs.content = REDACTED;
    }
    for (const [key, value] of Object.entries(attrs)) {
      if (key.startsWith('data-') && /csrf|xsrf|token|secret/i.test(key) && typeof value === 'string') {
        secrets.add(value);
        attrs[key] = REDACTED;
      }
    }
  }
  for (let i = attrs ? 2 : 1; i < node.length; i++) scrubDomNode(node[i], secrets, depth + 1);
}

interface HarNameValue {
  name?: unknown;
  value?: unknown;
}

function scrubHarEntry(entry: Json, secrets: SecretSet, state: TraceScrubState): void {
  const found = (value: string) => secrets.add(value);
  for (const side of ['request', 'response'] as const) {
    const part = entry[side];
    if (!isObject(part)) continue;
    if (typeof part.url === 'string') part.url = redactUrl(part.url, found);
    if (typeof part.redirectURL === 'string') part.redirectURL = redactUrl(part.redirectURL, found);
    if (Array.isArray(part.headers)) {
      for (const header of part.headers as HarNameValue[]) {
        if (!isObject(header) || typeof header.name !== 'string' || typeof header.value !== 'string') continue;
        const name = header.name.toLowerCase();
        if (name === 'cookie') for (const pair of header.value.split(';')) secrets.add(pair.slice(pair.indexOf('=') + 1).trim());
        if (name === 'set-cookie') {
          for (const line of header.value.split('\n')) {
            const pair = line.split(';')[0]!;
            secrets.add(pair.slice(pair.indexOf('=') + 1).trim());
          }
        }
        if (isSecretHeader(name)) {
          secrets.add(header.value.replace(/^(bearer|basic|token)\s+/i, ''));
          header.value = REDACTED;
        } else if (name === 'location' || name === 'referer' || name === 'content-location') {
          header.value = redactUrl(header.value, found);
        }
      }
    }
    if (Array.isArray(part.cookies)) {
      for (const cookie of part.cookies as HarNameValue[]) {
        if (!isObject(cookie) || typeof cookie.value !== 'string') continue;
        secrets.add(cookie.value);
        cookie.value = REDACTED;
      }
    }
    if (Array.isArray(part.queryString)) scrubNameValues(part.queryString as HarNameValue[], secrets);
    if (side === 'request' && isObject(part.postData)) scrubPostData(part.postData, secrets, state);
  }
}

function scrubNameValues(list: HarNameValue[], secrets: SecretSet): void {
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== 'string' || typeof item.value !== 'string') continue;
    if (SENSITIVE_NAME.test(item.name)) {
      secrets.add(item.value);
      item.value = REDACTED;
    }
  }
}

const lenient = new TextDecoder('utf-8');

/**
 * Login and upload bodies: values of secret-looking fields become secrets (the body itself is
 * redacted by value later). A body kept in its own entry is only noted here and read in the second
 * pass, or, above the limit, dropped: the note then says so where the body was.
 */
function scrubPostData(postData: Json, secrets: SecretSet, state: TraceScrubState): void {
  if (Array.isArray(postData.params)) scrubNameValues(postData.params as HarNameValue[], secrets);
  const mime = typeof postData.mimeType === 'string' ? postData.mimeType.toLowerCase() : '';
  const file = typeof postData._file === 'string' ? postData._file : typeof postData._sha1 === 'string' ? `resources/${postData._sha1}` : undefined;
  if (file !== undefined) {
    state.bodies.set(file, mime);
    const dropped = state.dropped.get(file);
    if (dropped) {
      delete postData._file;
      delete postData._sha1;
      postData.comment = `body left out of the evidence (${dropped.reason}, ${dropped.bytes} bytes)`;
    }
  }
  if (typeof postData.text === 'string' && postData.text) collectBodySecrets(postData.text, mime, secrets);
}

function collectBodySecrets(body: string, mime: string, secrets: SecretSet): void {
  if (mime.includes('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(body)) if (SENSITIVE_NAME.test(name)) secrets.add(value);
  } else if (mime.includes('json')) {
    try {
      collectSensitiveLeaves(JSON.parse(body), false, (leaf) => secrets.add(leaf));
    } catch {
      /* not JSON after all */
    }
  } else if (mime.includes('multipart/form-data')) {
    // Text parts only: name="csrf"\r\n\r\nVALUE\r\n--boundary
    for (const m of body.matchAll(/name="([^"]+)"(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)\r\n/g)) {
      if (SENSITIVE_NAME.test(m[1]!)) secrets.add(m[2]!);
    }
  }
}
