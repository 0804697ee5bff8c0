/**
 * Turns the session an admin uploads into a Playwright storageState. Accepts:
 * - a Playwright storageState JSON `{ cookies, origins }`;
 * - a cookie export JSON from browser extensions (EditThisCookie, Cookie-Editor, "Get cookies.txt"
 *   JSON): an array, or an object `{ cookies: [...] }`;
 * - a Netscape cookies.txt (curl, yt-dlp, "Get cookies.txt LOCALLY").
 *
 * Decisions:
 * - Only cookies that belong to the platform are kept: those for its host, for a parent domain of
 *   it (".tiktok.com" for "www.tiktok.com", never a bare TLD) or for a subdomain of it (ignoring a
 *   leading "www."), plus `extraDomains`. A full browser export also carries mail, bank and social
 *   sessions we must not store; those are dropped with a warning naming only their domains.
 * - Expired cookies are dropped with a warning; if nothing for the platform is left, that is an error.
 * - Missing or "unspecified" sameSite becomes "Lax" (what Chromium applies); "None" without
 *   `secure` also becomes "Lax" because Chromium rejects such a cookie outright.
 * - Duplicates (same name, domain, path) keep the last one.
 * - Messages name cookies and domains, never values: values are credentials.
 */

export type SameSite = 'Strict' | 'Lax' | 'None';

/** Same shape as Playwright's `BrowserContext.storageState()` cookie. */
export interface StorageStateCookie {
  name: string;
  value: string;
  /** Leading dot = sent to subdomains too; no dot = host-only. */
  domain: string;
  path: string;
  /** Unix time in seconds; -1 for a session cookie. */
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: SameSite;
}

/** Same shape as Playwright's `BrowserContext.storageState()` result. */
export interface StorageState {
  cookies: StorageStateCookie[];
  origins: { origin: string; localStorage: { name: string; value: string }[] }[];
}

export type SessionFileFormat = 'storage_state' | 'cookie_json' | 'netscape';

export interface ParsedSessionFile {
  storageState: StorageState;
  format: SessionFileFormat;
  cookieCount: number;
  warnings: string[];
}

export interface ParseSessionOptions {
  /** The platform's base URL (platforms.technical_config.baseUrl); its host decides which cookies are kept. */
  platformBaseUrl: string;
  now?: Date;
  /** Other domains whose cookies the platform needs (e.g. "google.com" for YouTube). */
  extraDomains?: string[];
}

export type SessionImportErrorCode =
  | 'invalid_base_url'
  | 'empty'
  | 'unrecognized_format'
  | 'malformed'
  | 'no_cookies'
  | 'no_platform_cookies';

/** A file we cannot turn into a session; `message` is safe to show (it never holds cookie values). */
export class SessionImportError extends Error {
  override readonly name = 'SessionImportError';
  constructor(
    readonly code: SessionImportErrorCode,
    message: string,
    /** 1-based line (cookies.txt) or entry (JSON) the problem is on. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Above this an "expires" can only be milliseconds (10^11 s is the year 5138). */
const MILLISECONDS_THRESHOLD = 1e11;
/** Warnings list at most this many names, then "and N more". */
const MAX_LISTED = 10;

export function parseSessionFile(text: string, opts: ParseSessionOptions): ParsedSessionFile {
  const host = platformHost(opts.platformBaseUrl);
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new SessionImportError('empty', 'the session file is empty');

  const warnings: string[] = [];
  const parsed = body.startsWith('{') || body.startsWith('[') ? parseJson(body, warnings) : parseNetscape(body, warnings);
  if (parsed.cookies.length === 0) {
    throw new SessionImportError('no_cookies', `the ${formatLabel(parsed.format)} holds no cookies at all`);
  }

  const nowSeconds = (opts.now ?? new Date()).getTime() / 1000;
  const extra = (opts.extraDomains ?? []).map((d) => normalizeDomain(d));
  const belongs = (domain: string) => [host, ...extra].some((allowed) => belongsToPlatform(normalizeDomain(domain), allowed));

  const kept = new Map<string, StorageStateCookie>();
  const expired: string[] = [];
  const foreignDomains = new Set<string>();
  let foreignCount = 0;
  let duplicates = 0;
  for (const cookie of parsed.cookies) {
    if (!belongs(cookie.domain)) {
      foreignCount++;
      foreignDomains.add(normalizeDomain(cookie.domain));
      continue;
    }
    if (cookie.expires !== -1 && cookie.expires <= nowSeconds) {
      expired.push(`${cookie.name} (${cookie.domain})`);
      continue;
    }
    const key = `${cookie.name}\u0000${cookie.domain.toLowerCase()}\u0000${cookie.path}`;
    if (kept.has(key)) {
      duplicates++;
      kept.delete(key); // re-insert so the order follows the surviving entry
    }
    kept.set(key, cookie);
  }

  if (foreignCount > 0) {
    warnings.push(`dropped ${foreignCount} cookie(s) for other sites than ${host}: ${list([...foreignDomains])}`);
  }
  if (expired.length > 0) warnings.push(`dropped ${expired.length} expired cookie(s): ${list(expired)}`);
  if (duplicates > 0) warnings.push(`${duplicates} duplicate cookie(s) (same name, domain and path): the last one of each was kept`);

  const cookies = [...kept.values()];
  if (cookies.length === 0) {
    const why = expired.length > 0
      ? `every cookie for ${host} has expired (${expired.length}); log in again and export a fresh session`
      : `no cookie belongs to ${host} (the file has cookies for ${list([...foreignDomains])}); export the session while on the platform's site`;
    throw new SessionImportError('no_platform_cookies', why);
  }

  const origins = parsed.origins.filter((o) => {
    const originHost = hostOf(o.origin);
    return originHost !== null && belongs(originHost);
  });
  const droppedOrigins = parsed.origins.length - origins.length;
  if (droppedOrigins > 0) warnings.push(`dropped localStorage of ${droppedOrigins} origin(s) of other sites than ${host}`);

  return { storageState: { cookies, origins }, format: parsed.format, cookieCount: cookies.length, warnings };
}

interface RawSession {
  format: SessionFileFormat;
  cookies: StorageStateCookie[];
  origins: StorageState['origins'];
}

function formatLabel(format: SessionFileFormat): string {
  return format === 'netscape' ? 'cookies.txt file' : format === 'storage_state' ? 'storageState file' : 'cookie export';
}

function list(items: string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// Domains

function platformHost(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new SessionImportError('invalid_base_url', `the platform base URL is not a valid URL: ${baseUrl}`);
  }
  if (url.hostname === '') throw new SessionImportError('invalid_base_url', `the platform base URL has no host: ${baseUrl}`);
  return normalizeDomain(url.hostname);
}

function hostOf(origin: string): string | null {
  try {
    return normalizeDomain(new URL(origin).hostname);
  } catch {
    return null;
  }
}

/** Lower case, no leading dot, no IPv6 brackets, no trailing root dot. */
function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^\.+/, '').replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * RFC 6265 domain-match: `host` equals `domain` or is a subdomain of it. IP addresses only match
 * themselves, and a single-label domain ("com") only matches itself (browsers refuse cookies for
 * a bare TLD; "localhost" still matches "localhost").
 */
function domainMatches(domain: string, host: string): boolean {
  if (domain === '' || host === '') return false;
  if (host === domain) return true;
  if (isIpAddress(host) || isIpAddress(domain) || !domain.includes('.')) return false;
  return host.endsWith(`.${domain}`);
}

/** The cookie is sent to the platform host (parent or same domain) or lives under it (subdomain). */
function belongsToPlatform(cookieDomain: string, host: string): boolean {
  if (domainMatches(cookieDomain, host)) return true;
  const site = isIpAddress(host) ? host : host.replace(/^www\./, '');
  return domainMatches(site, cookieDomain);
}

// ---------------------------------------------------------------------------------------------
// JSON: Playwright storageState, extension cookie exports

function parseJson(body: string, warnings: string[]): RawSession {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    // JSON.parse messages quote the input, which may hold cookie values: say only where it looked wrong.
    throw new SessionImportError('unrecognized_format', 'the file starts like JSON but is not valid JSON (and is not a cookies.txt file)');
  }
  if (Array.isArray(data)) return { format: 'cookie_json', cookies: jsonCookies(data, warnings), origins: [] };
  if (isRecord(data) && Array.isArray(data.cookies)) {
    // `origins` marks Playwright's own format; a bare `{ cookies }` is an extension's wrapper.
    if (Array.isArray(data.origins)) {
      return { format: 'storage_state', cookies: jsonCookies(data.cookies, warnings), origins: jsonOrigins(data.origins) };
    }
    return { format: 'cookie_json', cookies: jsonCookies(data.cookies, warnings), origins: [] };
  }
  throw new SessionImportError(
    'unrecognized_format',
    'the JSON is neither a Playwright storageState ({cookies, origins}) nor a cookie export (an array of cookies or {cookies: [...]})',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformedEntry(index: number, problem: string): SessionImportError {
  return new SessionImportError('malformed', `malformed cookie #${index + 1}: ${problem}`, index + 1);
}

function jsonCookies(entries: unknown[], warnings: string[]): StorageStateCookie[] {
  const insecureNone: string[] = [];
  const unknownSameSite: string[] = [];
  const cookies = entries.map((entry, index): StorageStateCookie => {
    if (!isRecord(entry)) throw malformedEntry(index, 'not an object');
    const { name, value } = entry;
    if (typeof name !== 'string' || name === '') throw malformedEntry(index, 'missing "name"');
    if (typeof value !== 'string' && typeof value !== 'number') throw malformedEntry(index, `cookie "${name}" has no string "value"`);
    const rawDomain = entry.domain;
    if (typeof rawDomain !== 'string' || normalizeDomain(rawDomain) === '') throw malformedEntry(index, `cookie "${name}" has no "domain"`);
    let domain = rawDomain.trim();
    // Extensions say host-only explicitly; Playwright encodes it as "no leading dot".
    if (entry.hostOnly === true) domain = domain.replace(/^\.+/, '');
    else if (entry.hostOnly === false && !domain.startsWith('.')) domain = `.${domain}`;
    const path = typeof entry.path === 'string' && entry.path !== '' ? entry.path : '/';
    const expires = jsonExpiry(entry, index, name);
    const secure = entry.secure === true;
    const sameSite = mapSameSite(entry.sameSite, secure, name, insecureNone, unknownSameSite);
    return { name, value: String(value), domain, path, expires, httpOnly: entry.httpOnly === true, secure, sameSite };
  });
  sameSiteWarnings(warnings, insecureNone, unknownSameSite);
  return cookies;
}

/** Playwright `expires`, extensions `expirationDate` (seconds, float), Selenium `expiry`; `session: true` wins. */
function jsonExpiry(entry: Record<string, unknown>, index: number, name: string): number {
  if (entry.session === true) return -1;
  const raw = entry.expires ?? entry.expirationDate ?? entry.expiry;
  if (raw === undefined || raw === null) return -1;
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw malformedEntry(index, `cookie "${name}" has an expiry that is not a number`);
  if (seconds <= 0) return -1;
  return seconds > MILLISECONDS_THRESHOLD ? seconds / 1000 : seconds;
}

function mapSameSite(raw: unknown, secure: boolean, name: string, insecureNone: string[], unknown: string[]): SameSite {
  const key = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  let sameSite: SameSite;
  if (key === 'strict') sameSite = 'Strict';
  else if (key === 'none' || key === 'no_restriction') sameSite = 'None';
  else {
    if (key !== '' && key !== 'lax' && key !== 'unspecified') unknown.push(name);
    sameSite = 'Lax';
  }
  if (sameSite === 'None' && !secure) {
    insecureNone.push(name);
    return 'Lax';
  }
  return sameSite;
}

function sameSiteWarnings(warnings: string[], insecureNone: string[], unknown: string[]) {
  if (insecureNone.length > 0) {
    warnings.push(`sameSite "None" without secure is refused by Chromium, set to "Lax" for: ${list(insecureNone)}`);
  }
  if (unknown.length > 0) warnings.push(`unknown sameSite value, set to "Lax" for: ${list(unknown)}`);
}

function jsonOrigins(entries: unknown[]): StorageState['origins'] {
  return entries.map((entry, index) => {
    const bad = (problem: string) => new SessionImportError('malformed', `malformed origin #${index + 1}: ${problem}`, index + 1);
    if (!isRecord(entry) || typeof entry.origin !== 'string') throw bad('missing "origin"');
    const storage = entry.localStorage ?? [];
    if (!Array.isArray(storage)) throw bad('"localStorage" is not an array');
    const localStorage = storage.map((item) => {
      if (!isRecord(item) || typeof item.name !== 'string' || typeof item.value !== 'string') {
        throw bad('a localStorage entry lacks a string "name" or "value"');
      }
      return { name: item.name, value: item.value };
    });
    return { origin: entry.origin, localStorage };
  });
}

// ---------------------------------------------------------------------------------------------
// Netscape cookies.txt

const HTTP_ONLY_PREFIX = '#httponly_';
const NETSCAPE_HEADER = /^#\s*(?:netscape\s+)?http cookie file/i;

type LineResult = { ok: true; cookie: StorageStateCookie; spaces: boolean } | { ok: false; problem: string };

function parseNetscape(body: string, warnings: string[]): RawSession {
  const lines = body.split(/\r\n|\n|\r/);
  let header = false;
  let onlyComments = true;
  let firstProblem: { line: number; problem: string } | null = null;
  const cookies: StorageStateCookie[] = [];
  const spaceLines: number[] = [];

  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const httpOnly = trimmed.toLowerCase().startsWith(HTTP_ONLY_PREFIX);
    if (!httpOnly && trimmed.startsWith('#')) {
      if (NETSCAPE_HEADER.test(trimmed)) header = true;
      continue;
    }
    onlyComments = false;
    // Only spaces are trimmed: a leading or trailing tab is an empty field (domain, value).
    const content = line.replace(/^ +| +$/g, '');
    const result = parseNetscapeLine(httpOnly ? content.slice(HTTP_ONLY_PREFIX.length) : content, httpOnly);
    if (!result.ok) {
      firstProblem ??= { line: index + 1, problem: result.problem };
      continue;
    }
    if (result.spaces) spaceLines.push(index + 1);
    cookies.push(result.cookie);
  }

  // With no header and not one valid line, this is not a cookies.txt at all rather than a broken one.
  if (!header && !onlyComments && cookies.length === 0) {
    throw new SessionImportError(
      'unrecognized_format',
      'the file is neither JSON (a storageState or a cookie export) nor a Netscape cookies.txt',
    );
  }
  if (firstProblem !== null) {
    const { line, problem } = firstProblem;
    throw new SessionImportError('malformed', `malformed line ${line} of the cookies.txt: ${problem}`, line);
  }
  if (spaceLines.length > 0) {
    warnings.push(`line(s) ${list(spaceLines.map(String))} are separated by spaces instead of tabs (copied from a text box?); read anyway`);
  }
  return { format: 'netscape', cookies, origins: [] };
}

function parseFlag(raw: string): boolean | null {
  const flag = raw.trim().toUpperCase();
  return flag === 'TRUE' ? true : flag === 'FALSE' ? false : null;
}

/** domain, includeSubdomains, path, secure, expiry, name, value (the value may be empty or missing). */
function parseNetscapeLine(line: string, httpOnly: boolean): LineResult {
  let fields = line.split('\t');
  let spaces = false;
  if (fields.length < 6) {
    // Pasting into a text box often turns tabs into spaces; cookie values hold no spaces.
    const bySpaces = line.trim().split(/\s+/);
    if (bySpaces.length === 7 || bySpaces.length === 6) {
      fields = bySpaces;
      spaces = true;
    }
  }
  if (fields.length < 6 || fields.length > 7) {
    return { ok: false, problem: `expected 7 tab-separated fields (domain, subdomains flag, path, secure, expiry, name, value), found ${fields.length}` };
  }
  const [rawDomain, rawSubdomains, rawPath, rawSecure, rawExpiry, rawName, rawValue] = fields as [string, string, string, string, string, string, string?];
  const domainOnly = normalizeDomain(rawDomain);
  if (domainOnly === '') return { ok: false, problem: 'empty domain' };
  const includeSubdomains = parseFlag(rawSubdomains);
  if (includeSubdomains === null) return { ok: false, problem: 'the subdomains flag (2nd field) must be TRUE or FALSE' };
  const secure = parseFlag(rawSecure);
  if (secure === null) return { ok: false, problem: 'the secure flag (4th field) must be TRUE or FALSE' };
  const expiryText = rawExpiry.trim();
  const expiry = Number(expiryText);
  if (expiryText === '' || !Number.isFinite(expiry)) return { ok: false, problem: 'the expiry (5th field) is not a number' };
  const name = rawName.trim();
  if (name === '') return { ok: false, problem: 'empty cookie name (6th field)' };
  const path = rawPath.trim() === '' ? '/' : rawPath.trim();
  return {
    ok: true,
    spaces,
    cookie: {
      name,
      value: rawValue ?? '',
      // The flag is authoritative: Playwright marks "also subdomains" with a leading dot.
      domain: includeSubdomains ? `.${domainOnly}` : domainOnly,
      path,
      expires: expiry <= 0 ? -1 : expiry > MILLISECONDS_THRESHOLD ? expiry / 1000 : expiry,
      httpOnly,
      secure,
      sameSite: 'Lax', // cookies.txt has no sameSite column; Chromium treats such cookies as Lax
    },
  };
}
