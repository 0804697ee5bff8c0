/**
 * From a raw click (what the redirect saw) to a stored one (db/clicks.ts `StoredClick`), at flush time, never in the
 * request: country and city from MaxMind-format city databases opened once, device / OS / browser from `bowser`
 * (parsed once per user-agent string), the bot flag, the referrer's host, the publication a ref names, and the
 * visitor hash — an HMAC keyed with that UTC day's random salt over address + user agent. The address itself goes
 * no further than this file: never stored, never logged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import Bowser from 'bowser';
import { isbot } from 'isbot';
import maxmind, { type Reader, type Response } from 'maxmind';
import { referrerHost } from '../../core/tracking.js';
import { clickSaltFor, publicationIdsForRefs, utcDay, yieldToEventLoop, type StoredClick } from '../../db/clicks.js';
import type { Db } from '../../db/client.js';

/** What the redirect hands over: no parsing, no look-ups, nothing that costs the visitor time. */
export interface RawClick {
  /** `Date.now()` at the redirect. */
  ts: number;
  accountId: string;
  /** A ref of the tracking-ref shape (core trackingRefPattern), else null: the click counts for the account. */
  ref: string | null;
  /** The client address (Fastify's `request.ip`: X-Forwarded-For only from trusted proxies). */
  address: string;
  userAgent: string;
  referer: string | undefined;
  /** HEAD, or a prefetch / link-preview purpose header (core isPrefetchOrPreview). */
  preview: boolean;
}

export interface ClickLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Both record shapes: ip-location-db's flat one and MaxMind's GeoLite2 / GeoIP2 City. */
interface GeoRecord {
  country_code?: string;
  city?: string | { names?: Record<string, string> };
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
}

export interface Place {
  country: string | null;
  city: string | null;
}

/** Clicks enriched between two turns of the event loop (a few hundred microseconds of work: HMAC, geo, user agent). */
const yieldEvery = 25;

const nowhere: Place = { country: null, city: null };
const DAY_MS = 86_400_000;

/** City databases in MaxMind format. IPv4 addresses are asked of every database, IPv6 only of IPv6 ones (an IPv4
 * tree answers an IPv6 address with a wrong country). */
export class GeoLookup {
  /** `readers`: opened databases, IPv4-only ones first (`open` sorts them so). */
  constructor(private readonly readers: readonly Pick<Reader<Response>, 'get' | 'metadata'>[]) {}

  /** Opens each database once; one that cannot be read is logged and left out (clicks then have no place). */
  static async open(paths: readonly string[], log: ClickLog): Promise<GeoLookup> {
    const readers: Reader<Response>[] = [];
    for (const path of paths) {
      try {
        readers.push(await maxmind.open(path));
      } catch (error) {
        log.warn({ path, err: (error as Error).message }, 'GeoIP city database not readable; clicks get no country/city from it');
      }
    }
    // IPv4-only trees first: for an IPv4 address they are the specific answer.
    readers.sort((a, b) => a.metadata.ipVersion - b.metadata.ipVersion);
    return new GeoLookup(readers);
  }

  lookup(rawAddress: string): Place {
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    const address = rawAddress.startsWith('::ffff:') && rawAddress.includes('.') ? rawAddress.slice(7) : rawAddress;
    const v6 = address.includes(':');
    for (const reader of this.readers) {
      if (v6 && reader.metadata.ipVersion !== 6) continue;
      let found: GeoRecord | null;
      try {
        // Read as either shape: the library's types know only MaxMind's own.
        found = reader.get(address) as GeoRecord | null;
      } catch {
        return nowhere; // not an address
      }
      if (!found) continue;
      const country = found.country_code ?? found.country?.iso_code ?? found.registered_country?.iso_code ?? null;
      const city = typeof found.city === 'string' ? found.city : found.city?.names?.en ?? null;
      return { country: country || null, city: city || null };
    }
    return nowhere;
  }
}

/** What a user agent says, parsed once per distinct string. */
export interface AgentFacts {
  device: string | null;
  os: string | null;
  browser: string | null;
  /** A crawler, a link-preview fetcher, a script, or no user agent at all. */
  bot: boolean;
}

/** Bounded FIFO memo: the oldest entry goes when it is full (a flood of distinct strings cannot grow memory). */
class Memo<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: V): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }
}

const agents = new Memo<AgentFacts>(5_000);

export function parseUserAgent(userAgent: string): AgentFacts {
  const known = agents.get(userAgent);
  if (known) return known;
  let facts: AgentFacts;
  if (userAgent.trim() === '') {
    facts = { device: 'bot', os: null, browser: null, bot: true };
  } else {
    const bot = isbot(userAgent);
    let parsed: Bowser.Parser.ParsedResult | undefined;
    try {
      parsed = Bowser.parse(userAgent);
    } catch {
      parsed = undefined;
    }
    facts = {
      // Crawlers bowser does not type (Telegram's or X's preview fetchers) still land in the `bot` device row.
      device: parsed?.platform.type || (bot ? 'bot' : null),
      os: parsed?.os.name || null,
      browser: parsed?.browser.name || null,
      bot,
    };
  }
  agents.set(userAgent, facts);
  return facts;
}

/** Keyed hash of one visitor on one UTC day: 32 hex characters (128 bits) of HMAC-SHA256. */
export function visitorHash(salt: string, address: string, userAgent: string): string {
  return createHmac('sha256', salt).update(`${address}\n${userAgent}`).digest('hex').slice(0, 32);
}

/** Raw clicks → stored clicks. One per recorder; its caches live as long as the process. */
export class ClickEnricher {
  private geo: Promise<GeoLookup> | undefined;
  /** Salts by UTC day (today's and yesterday's are all that are ever asked for, late clicks aside). */
  private readonly salts = new Map<string, Promise<string>>();
  /** `<accountId>/<ref>` → publication: a publication's marker never changes, so a found one is kept. */
  private readonly refs = new Memo<string>(20_000);

  constructor(private readonly opts: { db: Db; geoipPaths: readonly string[]; log: ClickLog }) {}

  private saltOf(day: string): Promise<string> {
    let salt = this.salts.get(day);
    if (!salt) {
      salt = clickSaltFor(this.opts.db, day, randomBytes(32).toString('hex'));
      salt.catch(() => this.salts.delete(day)); // asked again at the next flush
      this.salts.set(day, salt);
      if (this.salts.size > 3) this.salts.delete(this.salts.keys().next().value!);
    }
    return salt;
  }

  async enrich(batch: readonly RawClick[]): Promise<StoredClick[]> {
    this.geo ??= GeoLookup.open(this.opts.geoipPaths, this.opts.log);
    const geo = await this.geo;

    // Salts by UTC day number (a batch spans one day, two around midnight).
    const salts = new Map<number, string>();
    for (const click of batch) {
      const day = Math.floor(click.ts / DAY_MS);
      if (!salts.has(day)) salts.set(day, await this.saltOf(utcDay(click.ts)));
    }

    const unknownRefs: { accountId: string; ref: string }[] = [];
    for (const click of batch) {
      if (click.ref && this.refs.get(`${click.accountId}/${click.ref}`) === undefined) unknownRefs.push({ accountId: click.accountId, ref: click.ref });
    }
    if (unknownRefs.length > 0) {
      for (const [key, id] of await publicationIdsForRefs(this.opts.db, unknownRefs)) this.refs.set(key, id);
    }

    const stored: StoredClick[] = [];
    for (const [i, click] of batch.entries()) {
      // Between slices, the redirects waiting on this thread go first.
      if (i > 0 && i % yieldEvery === 0) await yieldToEventLoop();
      const agent = parseUserAgent(click.userAgent);
      const place = geo.lookup(click.address);
      stored.push({
        ts: new Date(click.ts),
        accountId: click.accountId,
        publicationId: click.ref ? this.refs.get(`${click.accountId}/${click.ref}`) ?? null : null,
        visitorHash: visitorHash(salts.get(Math.floor(click.ts / DAY_MS))!, click.address, click.userAgent),
        country: place.country,
        city: place.city,
        referrerHost: referrerHost(click.referer),
        device: agent.device,
        os: agent.os,
        browser: agent.browser,
        isBot: agent.bot || click.preview,
      });
    }
    return stored;
  }
}
