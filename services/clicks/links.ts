/**
 * Tracking code → where its redirect goes, kept in this process for a few seconds so a redirect never waits on the
 * database for a code it has seen (the hot path: `/t/<code>[/<ref>]`). Codes nobody has are remembered too (a burst
 * of bad links costs one query per code and TTL), in a map of their own so they cannot push real links out.
 *
 * Stale while revalidating: once an entry is older than the TTL, the next visit is still answered from it at once
 * while one look-up refreshes it in the background, so a change of an account's stream URL or a newly issued code
 * shows within the TTL plus one visit. Only a code never seen waits for the database. Measured with
 * bench/redirect.ts: waiting for the refresh put every expired link's next visit behind the database's writes of the
 * clicks (hundreds of ms at the p99 under load).
 *
 * When the database cannot answer, a link seen before keeps redirecting to where it last went (however long ago):
 * a redirect must not fail because the database is away.
 */
import { redirectTarget } from '../../core/tracking.js';
import type { Db } from '../../db/client.js';
import { findTrackingCodeOwner } from '../../db/tracking.js';

export interface TrackingLinkTarget {
  accountId: string;
  /** The absolute http(s) URL the 302 sends the visitor to. */
  location: string;
}

interface Entry {
  target: TrackingLinkTarget | null;
  freshUntil: number;
}

/** An http(s) URL as a Location header can carry it (non-ASCII percent-encoded), else null. */
function locationOf(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

export class TrackingLinks {
  private readonly known = new Map<string, Entry>();
  private readonly unknown = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<TrackingLinkTarget | null>>();
  private readonly ttlMs: number;
  private readonly maxKnown: number;
  private readonly maxUnknown: number;

  constructor(private readonly db: Db, opts: { ttlMs?: number; maxKnown?: number; maxUnknown?: number } = {}) {
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.maxKnown = opts.maxKnown ?? 20_000;
    this.maxUnknown = opts.maxUnknown ?? 5_000;
  }

  /**
   * Where `code` sends its visitors, and for which account; null when no account has (or had) the code, or it has
   * neither a stream nor a profile URL. Answers synchronously from the cache; a promise when it must ask the
   * database, which rejects only when the database cannot answer and the code was never seen.
   */
  resolve(code: string): TrackingLinkTarget | null | Promise<TrackingLinkTarget | null> {
    const entry = this.known.get(code) ?? this.unknown.get(code);
    if (!entry) return this.pending.get(code) ?? this.load(code, undefined);
    if (entry.freshUntil <= Date.now() && !this.pending.has(code)) {
      // Refreshed behind this answer; a failure keeps the entry (load() serves it for another TTL).
      this.load(code, entry).catch(() => undefined);
    }
    return entry.target;
  }

  private load(code: string, stale: Entry | undefined): Promise<TrackingLinkTarget | null> {
    const loading = findTrackingCodeOwner(this.db, code).then(
      (owner) => {
        const location = owner ? locationOf(redirectTarget(owner)) : null;
        const target = owner && location ? { accountId: owner.accountId, location } : null;
        this.remember(code, target);
        return target;
      },
      (error: unknown) => {
        if (!stale) throw error;
        // Serve what it was for another TTL before asking the database again.
        stale.freshUntil = Date.now() + this.ttlMs;
        return stale.target;
      },
    ).finally(() => this.pending.delete(code));
    this.pending.set(code, loading);
    return loading;
  }

  private remember(code: string, target: TrackingLinkTarget | null): void {
    const entry = { target, freshUntil: Date.now() + this.ttlMs };
    const [into, other, max] = target ? [this.known, this.unknown, this.maxKnown] : [this.unknown, this.known, this.maxUnknown];
    other.delete(code);
    // Re-inserted at the end: the map's order is the order of last refresh, so the first key is the one to evict.
    into.delete(code);
    if (into.size >= max) into.delete(into.keys().next().value!);
    into.set(code, entry);
  }
}
