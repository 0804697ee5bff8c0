/**
 * Tracking links (DESIGN "Traffic, streams and money"): `/t/<code>` is an account's link, `/t/<code>/<ref>` a
 * publication's, where `ref` is the publication's idempotency marker without its `ref:` prefix — the same short id
 * the driver searches for, so a post carries one identifier, not two.
 *
 * Pure: no I/O. The redirect route, the click pipeline and the caption builder all read these.
 */
import { idempotencyMarker } from './captions.js';

/** What a click rollup row is grouped by besides its bucket and account; `all` is the row of every click. */
export const clickDimensions = ['all', 'publication', 'country', 'city', 'device', 'os', 'browser', 'referrer'] as const;
export type ClickDimension = (typeof clickDimensions)[number];

/** Tracking codes: lower-case letters and digits (10 hex today; longer ones leave room). */
export const trackingCodePattern = /^[a-z0-9]{6,32}$/;
/** A publication's ref: 12 lower-case hex characters. */
export const trackingRefPattern = /^[0-9a-f]{12}$/;

/** The `ref` of a publication's tracking link: its idempotency marker's id. */
export function trackingRefOf(publicationId: string): string {
  return idempotencyMarker(publicationId).slice('ref:'.length);
}

/** The idempotency marker a `ref` stands for (to find the publication it names). */
export function markerOfTrackingRef(ref: string): string {
  return `ref:${ref}`;
}

/** `PUBLIC_URL/t/<code>[/<ref>]`, without a doubled slash whatever `publicUrl` ends with. */
export function trackingUrl(publicUrl: string, code: string, ref?: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return ref ? `${base}/t/${code}/${ref}` : `${base}/t/${code}`;
}

/** Where a tracking link sends the visitor: the account's stream, else its profile; null when it has neither. */
export function redirectTarget(account: { streamUrl: string | null; profileUrl: string | null }): string | null {
  return account.streamUrl ?? account.profileUrl ?? null;
}

/**
 * The host of a `Referer` header, lower-cased and without `www.`; null when absent or not an http(s) URL.
 * Only the host is kept: a referrer's path can carry a visitor's own identifiers.
 */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    const url = new URL(referer);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    return host === '' ? null : host.slice(0, 255);
  } catch {
    return null;
  }
}

/**
 * True when the request is a prefetch or a link preview rather than a person following the link: HEAD requests
 * and the prefetch/preview purpose headers browsers and apps send (`Sec-Purpose`, `Purpose`, `X-Purpose`,
 * `X-Moz`). User-agent crawlers (Telegram's, X's and Discord's previews among them) are caught by the bot list.
 */
export function isPrefetchOrPreview(method: string, header: (name: string) => string | undefined): boolean {
  if (method === 'HEAD') return true;
  for (const name of ['sec-purpose', 'purpose', 'x-purpose', 'x-moz']) {
    const value = header(name)?.toLowerCase();
    if (value && /prefetch|preview|prerender/.test(value)) return true;
  }
  return false;
}
