// Test helpers for the demo platform tests: a minimal cookie jar over fetch, form builders and
// a condition poller with a deadline. Not used by the site itself.

/** Minimal cookie jar: name → value from Set-Cookie headers. */
export type Jar = Map<string, string>;

export const DEMO_USERNAME = 'Modelo_Demo';
export const DEMO_PASSWORD = 'secreto-123';

function absorb(jar: Jar, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: Jar): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export type RequestOptions = RequestInit & { jar?: Jar };

/** fetch against the platform (no redirect following), keeping cookies in `jar`. */
export async function request(baseUrl: string, path: string, init: RequestOptions = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.jar && init.jar.size > 0) headers.set('cookie', cookieHeader(init.jar));
  const res = await fetch(baseUrl + path, { ...init, headers, redirect: 'manual' });
  if (init.jar) absorb(init.jar, res);
  return res;
}

export function hiddenValue(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden ${name} in page`);
  return m[1]!;
}

export function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

export function json(body: unknown, method = 'POST'): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** 12 bytes of an ISO-BMFF header (what the site sniffs) + filler. */
export function fakeMp4Bytes(): Buffer {
  const head = Buffer.from([0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]);
  return Buffer.concat([head, Buffer.alloc(4096, 7)]);
}

export function fakeMp4(): Blob {
  return new Blob([fakeMp4Bytes()], { type: 'video/mp4' });
}

export function uploadBody(csrf: string, caption: string, file: Blob | null, filename = 'clip.mp4'): FormData {
  const fd = new FormData();
  fd.set('csrf', csrf);
  if (file) fd.set('video', file, filename);
  fd.set('caption', caption);
  return fd;
}

/** Logs the demo user in through the real form (CSRF cookie + token). */
export async function login(baseUrl: string, jar: Jar, password = DEMO_PASSWORD, next?: string): Promise<Response> {
  const page = await (await request(baseUrl, `/login${next ? `?next=${encodeURIComponent(next)}` : ''}`, { jar })).text();
  const fields: Record<string, string> = { csrf: hiddenValue(page, 'csrf'), username: DEMO_USERNAME, password };
  // Sent as given (a crafted form can carry any next); the page itself drops unsafe ones.
  if (next) fields['next'] = next;
  return request(baseUrl, '/login', { ...form(fields), jar });
}

/** Polls `probe` until it returns something truthy; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rejects if `promise` has not settled within `timeoutMs` (so a hang fails fast instead of at the test timeout). */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
