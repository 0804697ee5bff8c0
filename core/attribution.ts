/**
 * Revenue attribution (issue 17): which tracking links sent the people who tipped in a live session, and how the
 * session's earnings are shared among them. Pure: db/attribution.ts reads the rows and stores what this returns.
 *
 * Reach: a person's click (bots never count) on a tracking link of one of the model's accounts reaches a session
 * when it lands while the session is open (start ≤ click ≤ end; an open session ends "now"), or within
 * `windowMinutes` before it starts — unless, in that window, another session of hers was open at the click: the
 * click belongs to that one. Every reaching click counts (a person who clicks twice counts twice).
 *
 * A link is (account, publication | null): a post's own link `/t/<code>/<ref>`, or the account's link `/t/<code>`.
 *
 * Methods (both are always computed; every link with a reaching click gets a row in each, possibly of 0):
 * - `last_click`: each earnings line goes whole to the link of the latest reaching click at or before the line's
 *   time. A line before the session's first reaching click is **unattributed**: nothing we sent had arrived yet.
 * - `linear`: the session's whole total is shared among the links in proportion to their reaching clicks (so it
 *   credits the links whatever the order of clicks and lines).
 * A session without a reaching click is unattributed whole, by both methods.
 *
 * Arithmetic is exact: amounts (USD) and tokens are held as integer ten-thousandths (bigint, the columns' scale 4).
 * Linear shares are rounded down and the units left over go one each to the links with the largest remainders (ties:
 * the smaller link key first), so the shares always add up to the total exactly, and the same input always gives the
 * same shares.
 */

/** Ten-thousandths: the scale of every amount and token share (numeric(14, 4)). */
export const SCALE = 4;
const UNIT = 10_000n;

export type Instant = Date | number;
const msOf = (at: Instant) => (typeof at === 'number' ? at : at.getTime());

export interface AttributionSession {
  startedAt: Instant;
  /** null = still open: it ends at `now`. */
  endedAt: Instant | null;
}

export interface AttributionLine {
  ts: Instant;
  /** Whole tokens (null when the site gives an amount only). */
  tokens: number | null;
  /** A decimal string with at most 4 decimals (as PostgreSQL gives numeric(14, 4)). */
  amountUsd: string;
}

export interface AttributionClick {
  ts: Instant;
  accountId: string;
  publicationId: string | null;
  isBot: boolean;
}

export interface Link {
  accountId: string;
  publicationId: string | null;
}

export interface LinkShare extends Link {
  /** Reaching clicks of this link (people only): the funnel's "stream visits"; the same in both methods. */
  clicks: number;
  /** Decimal strings with 4 decimals. */
  tokens: string;
  amountUsd: string;
}

export interface Amounts {
  tokens: string;
  amountUsd: string;
}

export interface MethodResult {
  /** One per link with a reaching click, ordered by link key. */
  shares: LinkShare[];
  /** What no link was credited with (the total minus the shares). */
  unattributed: Amounts;
}

export interface SessionAttribution {
  total: Amounts;
  /** Reaching clicks, all links together. */
  clicks: number;
  last_click: MethodResult;
  linear: MethodResult;
}

export interface AttributionInput {
  session: AttributionSession;
  lines: AttributionLine[];
  /** The model's clicks around the session (any order; bots and clicks out of reach are left out here). */
  clicks: AttributionClick[];
  windowMinutes: number;
  /** Her other sessions (any site): a click in this one's window that landed while one of them was open is theirs. */
  otherSessions?: AttributionSession[];
  /** When an open session ends (default: now). */
  now?: Instant;
}

// ---- Exact decimals ----

/** "12.5" → 125000n (ten-thousandths). Refuses anything but an optional minus, digits and at most 4 decimals. */
export function toUnits(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{0,4}))?$/.exec(decimal.trim());
  if (!match) throw new Error(`not a decimal with at most ${SCALE} places: ${JSON.stringify(decimal)}`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole!) * UNIT + BigInt(fraction.padEnd(SCALE, '0'));
  return sign === '-' ? -units : units;
}

/** 125000n → "12.5000" (always 4 decimals, as numeric(14, 4) prints). */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const text = `${abs / UNIT}.${(abs % UNIT).toString().padStart(SCALE, '0')}`;
  return negative ? `-${text}` : text;
}

const tokenUnits = (tokens: number | null) => {
  if (tokens === null) return 0n;
  if (!Number.isSafeInteger(tokens)) throw new Error(`tokens must be a whole number: ${tokens}`);
  return BigInt(tokens) * UNIT;
};

/**
 * `total` shared in proportion to `weights` (non-negative integers, at least one positive), exactly: each share is
 * rounded toward zero and the units left go one each to the largest remainders, ties to the lower index.
 */
export function shareByWeights(total: bigint, weights: readonly number[]): bigint[] {
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (sum <= 0n) throw new Error('shareByWeights needs a positive weight');
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const shares = weights.map((w) => (abs * BigInt(w)) / sum);
  let left = abs - shares.reduce((a, s) => a + s, 0n);
  const order = weights
    .map((w, index) => ({ index, remainder: (abs * BigInt(w)) % sum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of order) {
    if (left === 0n) break;
    shares[index]! += 1n;
    left -= 1n;
  }
  return negative ? shares.map((s) => -s) : shares;
}

// ---- Reach ----

/** `<accountId>/<publicationId or empty>`, the same key as the click flush's per-link visitor sets. */
export const linkKey = (link: Link) => `${link.accountId}/${link.publicationId ?? ''}`;

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The reaching clicks of a session (see the top comment), oldest first (ties by link key). */
export function reachingClicks(input: Omit<AttributionInput, 'lines'>): AttributionClick[] {
  const start = msOf(input.session.startedAt);
  const now = msOf(input.now ?? Date.now());
  const end = input.session.endedAt === null ? now : msOf(input.session.endedAt);
  const windowStart = start - input.windowMinutes * 60_000;
  const others = (input.otherSessions ?? []).map((s) => ({ from: msOf(s.startedAt), to: s.endedAt === null ? now : msOf(s.endedAt) }));
  return input.clicks
    .filter((c) => {
      if (c.isBot) return false;
      const at = msOf(c.ts);
      if (at < windowStart || at > end) return false;
      // Before the start, a click that landed in another open session of hers went there.
      return at >= start || !others.some((o) => o.from <= at && at <= o.to);
    })
    .sort((a, b) => msOf(a.ts) - msOf(b.ts) || compareKeys(linkKey(a), linkKey(b)));
}

// ---- The two methods ----

/** Both methods for one session; every figure exact (see the top comment). */
export function attributeSession(input: AttributionInput): SessionAttribution {
  const reaching = reachingClicks(input);
  const links = new Map<string, Link & { clicks: number }>();
  for (const c of reaching) {
    const key = linkKey(c);
    const link = links.get(key) ?? { accountId: c.accountId, publicationId: c.publicationId, clicks: 0 };
    link.clicks += 1;
    links.set(key, link);
  }
  const keys = [...links.keys()].sort(compareKeys);
  const index = new Map(keys.map((k, i) => [k, i]));

  const lines = input.lines.map((l) => ({ ts: msOf(l.ts), tokens: tokenUnits(l.tokens), amount: toUnits(l.amountUsd) }));
  const totalTokens = lines.reduce((a, l) => a + l.tokens, 0n);
  const totalAmount = lines.reduce((a, l) => a + l.amount, 0n);

  // last_click: the latest reaching click at or before each line (clicks are sorted; ties at one instant: the last).
  const lastTokens = keys.map(() => 0n);
  const lastAmount = keys.map(() => 0n);
  const clickTimes = reaching.map((c) => msOf(c.ts));
  for (const line of lines) {
    let lo = 0;
    let hi = clickTimes.length; // first click after the line
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (clickTimes[mid]! <= line.ts) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue; // before any reaching click: unattributed
    const i = index.get(linkKey(reaching[lo - 1]!))!;
    lastTokens[i]! += line.tokens;
    lastAmount[i]! += line.amount;
  }

  // linear: the whole total by clicks.
  const weights = keys.map((k) => links.get(k)!.clicks);
  const linearTokens = keys.length ? shareByWeights(totalTokens, weights) : [];
  const linearAmount = keys.length ? shareByWeights(totalAmount, weights) : [];

  const method = (tokens: bigint[], amount: bigint[]): MethodResult => {
    const shares = keys.map((k, i): LinkShare => {
      const link = links.get(k)!;
      return { accountId: link.accountId, publicationId: link.publicationId, clicks: link.clicks, tokens: fromUnits(tokens[i]!), amountUsd: fromUnits(amount[i]!) };
    });
    return {
      shares,
      unattributed: {
        tokens: fromUnits(totalTokens - tokens.reduce((a, t) => a + t, 0n)),
        amountUsd: fromUnits(totalAmount - amount.reduce((a, t) => a + t, 0n)),
      },
    };
  };
  return {
    total: { tokens: fromUnits(totalTokens), amountUsd: fromUnits(totalAmount) },
    clicks: reaching.length,
    last_click: method(lastTokens, lastAmount),
    linear: method(linearTokens, linearAmount),
  };
}

/** Sums decimal strings exactly (e.g. the rows of a revenue table). */
export function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  for (const v of values) total += toUnits(v);
  return fromUnits(total);
}

/** a − b, exactly. */
export function subtractDecimals(a: string, b: string): string {
  return fromUnits(toUnits(a) - toUnits(b));
}
