/**
 * Secret removal for failure evidence: the admin downloads trace, HTML and info.json, so no
 * session may leak through them. Kept apart from capture (evidence.ts) because none of it needs a
 * browser: it works on strings and zip bytes, and its tests run without Chromium.
 *
 * Two kinds of work: structural scrubbing blanks values where their place says "secret" (cookie
 * and auth headers, secret query/form fields, hidden and password inputs, CSRF metas) and collects
 * them in a SecretSet; then every collected value, in each spelling it can take, is replaced by
 * `[redacted]` everywhere else (every text entry of the trace zip, byte-wise in binary ones).
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';

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

/**
 * Rewrites a Playwright trace with secrets removed. Two passes: the structural one blanks
 * cookie/auth headers, HAR cookies, secret query/form fields and hidden/password inputs in DOM
 * snapshots, collecting their values; then every known value is replaced in every text entry
 * (and, byte-wise, in binary ones such as multipart upload bodies that carry the CSRF token).
 */
export function scrubTraceZip(zip: Uint8Array, knownSecrets: Iterable<string> = []): Uint8Array {
  const set = new SecretSet();
  for (const value of knownSecrets) set.add(value);
  return scrubTraceZipWith(zip, set);
}

/** Adds what it finds to `set`, so the caller can redact its other files with the complete list. */
export function scrubTraceZipWith(zip: Uint8Array, set: SecretSet): Uint8Array {
  const entries = unzipSync(zip);
  const texts = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });

  for (const [name, data] of Object.entries(entries)) {
    if (!JSONL_ENTRY.test(name)) continue;
    let text: string;
    try {
      text = decoder.decode(data);
    } catch {
      continue;
    }
    const lines = text.split('\n').map((line) => {
      if (!line.trim()) return line;
      try {
        const event = JSON.parse(line) as unknown;
        if (!isObject(event)) return line;
        scrubTraceEvent(event, set, entries);
        return JSON.stringify(event);
      } catch {
        return line;
      }
    });
    texts.set(name, lines.join('\n'));
  }

  const variants = set.variants();
  const out: Zippable = {};
  for (const [name, data] of Object.entries(entries)) {
    const structural = texts.get(name);
    if (structural !== undefined) {
      out[name] = [new TextEncoder().encode(replaceAll(structural, variants)), { level: 6 }];
      continue;
    }
    if (MEDIA_ENTRY.test(name)) {
      out[name] = [data, { level: 0 }];
      continue;
    }
    let text: string | undefined;
    try {
      text = decoder.decode(data);
    } catch {
      text = undefined;
    }
    // Binary bodies (an uploaded video) are big and barely compress: the fastest level keeps the
    // event loop (and the activity's heartbeat) moving.
    out[name] = text !== undefined ? [new TextEncoder().encode(replaceAll(text, variants)), { level: 6 }] : [replaceAllBytes(data, variants), { level: 1 }];
  }
  return zipSync(out);
}

function scrubTraceEvent(event: Json, secrets: SecretSet, entries: Record<string, Uint8Array>): void {
  const type = event.type;
  if (type === 'resource-snapshot' && isObject(event.snapshot)) scrubHarEntry(event.snapshot, secrets, entries);
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

function scrubHarEntry(entry: Json, secrets: SecretSet, entries: Record<string, Uint8Array>): void {
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
    if (isObject(part.postData)) scrubPostData(part.postData, secrets, entries);
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

/** Login and upload bodies: values of secret-looking fields become secrets (the body itself is redacted by value later). */
function scrubPostData(postData: Json, secrets: SecretSet, entries: Record<string, Uint8Array>): void {
  if (Array.isArray(postData.params)) scrubNameValues(postData.params as HarNameValue[], secrets);
  let body = typeof postData.text === 'string' ? postData.text : undefined;
  if (body === undefined && typeof postData._sha1 === 'string') {
    const data = entries[`resources/${postData._sha1}`];
    // Lenient decoding: a multipart body with a video in it is not UTF-8, its text parts still are.
    if (data) body = lenient.decode(data);
  }
  if (body === undefined) return;
  const mime = typeof postData.mimeType === 'string' ? postData.mimeType.toLowerCase() : '';
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
