/**
 * Where the login form may send the browser afterwards (`next`): shared by the API and the login page, so no
 * TypeBox here (the dashboard bundles this file).
 */

/** Fixed base for parsing `next`: only what stays on it is a local path. */
const nextBase = 'http://next.invalid';
/** Tabs, newlines and other controls (browsers drop them in URLs: `/\t/evil` becomes `//evil`) and backslashes (read as `/`). */
function unsafeInPath(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

/**
 * `next` after login as a same-origin path, else `/`. Parsed with the URL API against a fixed base and kept
 * only when it stays on that origin; controls and backslashes — raw or percent-encoded once — never pass, and
 * neither does a result a browser would read as another host (`//x`).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/';
  }
  if (unsafeInPath(next) || unsafeInPath(decoded) || decoded.startsWith('//')) return '/';
  let url: URL;
  try {
    url = new URL(next, nextBase);
  } catch {
    return '/';
  }
  if (url.origin !== nextBase) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('/') && !path.startsWith('//') ? path : '/';
}
