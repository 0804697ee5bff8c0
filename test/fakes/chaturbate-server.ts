/**
 * A fake Chaturbate broadcaster API: the Events API (long-poll JSON feed) and the Stats API, on one real HTTP server on
 * 127.0.0.1 (random port), as Chaturbate's public documentation describes them. It records every request, and a test
 * plays the room (pushes events) and scripts the faults.
 *
 *   const cb = await startFakeChaturbate();
 *   env: CHATURBATE_EVENTS_ROOT = cb.eventsRoot, CHATURBATE_STATS_ROOT = cb.statsRoot
 *   const room = cb.addBroadcaster('lola');                 // { username, eventsToken, statsToken }
 *   cb.push('lola', cbEvent.broadcastStart('lola'), cbEvent.tip('lola', 'fan1', 25));
 *   cb.revoke('lola', 'events');                             // the token was deleted: 401 from now on
 *
 * Doc pages it follows:
 * - Events API, "Longpoll JSON event feed" (https://chaturbate.com/apps/api/docs/rest.html, source
 *   https://chaturbate.com/apps/api/docs/_sources/rest.rst.txt): load `<events root>/events/:username/:token/`; the
 *   answer is `{"events": [{"method", "id", "object"}], "nextUrl"}`, a list of zero or more of the latest events plus the
 *   URL to load next (`…/?i=<last id>&timeout=10`, ids like `1625274862454-0`); optional `timeout` query parameter: the
 *   server waits at most this long before answering (default 10, min 0, max 90); "The rate limit for the API is 2000
 *   requests per minute." Access is by tokens with the "Events API" scope; "After deleting a token, please wait up to
 *   one minute for API access to get revoked." Methods (the doc's example code): broadcastStart, broadcastStop,
 *   userEnter, userLeave, follow, unfollow, fanclubJoin, chatMessage, privateMessage, tip, roomSubjectChange,
 *   mediaPurchase.
 * - Events API objects (https://chaturbate.com/apps/api/docs/objects.html): `broadcaster` (string), `media`
 *   {id, type "photos"|"video", name, tokens}, `message` {color, bgColor, message, font, fromUser, toUser (private
 *   messages only)}, `subject` (string), `tip` {tokens, isAnon, message}, `user` {username, inFanclub, hasTokens,
 *   isMod, recentTips, gender, subgender} (the doc's example code reads `object.user.username`).
 * - Stats API (https://chaturbate.com/statsapi/documentation/): GET `https://chaturbate.com/statsapi/?username=…&token=…`
 *   answers JSON refreshed every 5 minutes: username, token_balance, tips_in_last_hour, votes_up, votes_down,
 *   satisfaction_score, last_broadcast (ISO datetime, -1 if never), time_online (minutes, -1 when not broadcasting),
 *   num_followers, num_viewers, num_registered_viewers, num_tokened_viewers.
 * Not documented, so chosen here (and said so): a refused or deleted token answers HTTP 401 `{"status": …}` on both
 * APIs (what public clients such as cb-events treat as an authentication error); past 2,000 requests in 60 s a token gets
 * HTTP 429 with `Retry-After`; a `timeout` outside 0–90 gets HTTP 400; an answer holds at most `maxBatch` (100) events;
 * the first load (no `i`) returns every event still kept; `waitedTooLong` makes an expired long poll answer the way
 * public clients report the real server sometimes does (HTTP 400 `{"status": "…waited too long…", "nextUrl"}`).
 * Revocation here is immediate (the real one takes up to a minute); the Stats API answers fresh figures at once.
 *
 * Faults a test scripts: `failNext` (any status/body for the next calls of one API), `loseNextAnswer` (the events are
 * read, then the connection is dropped with no answer), `revoke`, `setRateLimit`, `waitedTooLong`.
 * Admin endpoints (the same controls over HTTP, for a worker in another process): POST /__admin/broadcasters
 * {username}, POST /__admin/events/:username {events: [{method, object}]}, POST /__admin/revoke/:username {api},
 * POST /__admin/stats/:username {…fields}, GET /__admin/requests?username=&api=.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, takeScriptedFailure, type ScriptedFailure } from './http-fake.js';

export type CbMethod =
  | 'broadcastStart' | 'broadcastStop' | 'userEnter' | 'userLeave' | 'follow' | 'unfollow' | 'fanclubJoin'
  | 'chatMessage' | 'privateMessage' | 'tip' | 'roomSubjectChange' | 'mediaPurchase';

export interface CbEvent {
  method: CbMethod;
  id: string;
  object: Record<string, unknown>;
}
export type CbEventInput = Omit<CbEvent, 'id'>;
export type CbApi = 'events' | 'stats';

export interface CbStats {
  username: string;
  token_balance: number;
  tips_in_last_hour: number;
  votes_up: number;
  votes_down: number;
  satisfaction_score: number;
  last_broadcast: string | -1;
  time_online: number;
  num_followers: number;
  num_viewers: number;
  num_registered_viewers: number;
  num_tokened_viewers: number;
}

export interface CbRequest {
  api: CbApi | 'other';
  username: string | null;
  method: string;
  /** The path and query, with every token replaced by `<token>` (a test may print it). */
  path: string;
  at: number;
  status?: number;
}

/** The documented `user` object of a viewer (or of the broadcaster, for broadcastStart/Stop). */
export function cbUser(username: string, extra: Record<string, unknown> = {}) {
  return { username, inFanclub: false, hasTokens: true, isMod: false, recentTips: 'none', gender: 'm', subgender: '', ...extra };
}

/** Events as the doc's objects page describes their `object`. */
export const cbEvent = {
  broadcastStart: (broadcaster: string): CbEventInput => ({ method: 'broadcastStart', object: { broadcaster, user: cbUser(broadcaster, { gender: 'f' }) } }),
  broadcastStop: (broadcaster: string): CbEventInput => ({ method: 'broadcastStop', object: { broadcaster, user: cbUser(broadcaster, { gender: 'f' }) } }),
  userEnter: (broadcaster: string, user: string): CbEventInput => ({ method: 'userEnter', object: { broadcaster, user: cbUser(user) } }),
  userLeave: (broadcaster: string, user: string): CbEventInput => ({ method: 'userLeave', object: { broadcaster, user: cbUser(user) } }),
  follow: (broadcaster: string, user: string): CbEventInput => ({ method: 'follow', object: { broadcaster, user: cbUser(user) } }),
  unfollow: (broadcaster: string, user: string): CbEventInput => ({ method: 'unfollow', object: { broadcaster, user: cbUser(user) } }),
  fanclubJoin: (broadcaster: string, user: string): CbEventInput => ({ method: 'fanclubJoin', object: { broadcaster, user: cbUser(user, { inFanclub: true }) } }),
  tip: (broadcaster: string, user: string, tokens: number, opts: { isAnon?: boolean; message?: string } = {}): CbEventInput => ({
    method: 'tip',
    object: { broadcaster, tip: { tokens, isAnon: opts.isAnon ?? false, message: opts.message ?? '' }, user: cbUser(user, { recentTips: 'some' }) },
  }),
  mediaPurchase: (broadcaster: string, user: string, tokens: number, media: { id?: number; type?: 'photos' | 'video'; name?: string } = {}): CbEventInput => ({
    method: 'mediaPurchase',
    object: { broadcaster, user: cbUser(user), media: { id: media.id ?? 1, type: media.type ?? 'photos', name: media.name ?? 'photoset1', tokens } },
  }),
  chatMessage: (broadcaster: string, user: string, message: string): CbEventInput => ({
    method: 'chatMessage', object: { broadcaster, user: cbUser(user), message: { color: '#494949', bgColor: null, message, font: 'default' } },
  }),
  privateMessage: (broadcaster: string, user: string, message: string): CbEventInput => ({
    method: 'privateMessage',
    object: { broadcaster, user: cbUser(user), message: { color: '#494949', bgColor: null, message, font: 'default', fromUser: user, toUser: broadcaster } },
  }),
  roomSubjectChange: (broadcaster: string, subject: string): CbEventInput => ({ method: 'roomSubjectChange', object: { broadcaster, subject } }),
};

interface Room {
  username: string;
  eventsTokens: Set<string>;
  statsTokens: Set<string>;
  events: CbEvent[];
  waiters: Set<() => void>;
  live: boolean;
  startedAt: number | null;
  lastBroadcast: string | -1;
  followers: number;
  balance: number;
  inRoom: Set<string>;
  statsOverride: Partial<CbStats>;
}

export interface FakeChaturbate {
  /** http://127.0.0.1:PORT */
  url: string;
  /** CHATURBATE_EVENTS_ROOT */
  eventsRoot: string;
  /** CHATURBATE_STATS_ROOT */
  statsRoot: string;
  requests: CbRequest[];
  addBroadcaster(username: string, opts?: { eventsToken?: string; statsToken?: string; followers?: number }): { username: string; eventsToken: string; statsToken: string };
  /** Appends events to the room's feed (ids assigned in order, as the API's) and wakes its long polls; returns them. */
  push(username: string, ...events: CbEventInput[]): CbEvent[];
  /** Every event pushed to the room, in order. */
  pushed(username: string): CbEvent[];
  /** Deletes the room's tokens of one API: every later request with them gets 401. */
  revoke(username: string, api: CbApi): void;
  /** Overrides Stats API figures (the rest follow the pushed events). */
  setStats(username: string, patch: Partial<CbStats>): void;
  stats(username: string): CbStats;
  /** Requests for the room (optionally of one API) so far. */
  requestCount(username: string, api?: CbApi): number;
  /** The next `count` calls of `api` (after `skip` let through) answer `status` with `body`. */
  failNext(api: CbApi, status: number, opts?: { body?: unknown; headers?: Record<string, string>; count?: number; skip?: number }): void;
  /** The next `count` Events API calls that have events to deliver read them, then drop the connection unanswered. */
  loseNextAnswer(count?: number): void;
  /** Requests per minute per token before 429 (default 2,000, the documented limit). */
  setRateLimit(perMinute: number): void;
  /** An expired long poll answers 400 "waited too long" with the nextUrl instead of an empty list. */
  waitedTooLong(on: boolean): void;
  close(): Promise<void>;
}

const documentedRateLimit = 2000;
const maxBatch = 100;

export async function startFakeChaturbate(): Promise<FakeChaturbate> {
  const rooms = new Map<string, Room>();
  const requests: CbRequest[] = [];
  const failures: ScriptedFailure<CbApi>[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hits = new Map<string, number[]>();
  let rateLimit = documentedRateLimit;
  let loseAnswers = 0;
  let tooLong = false;
  let lastMs = 0;
  let seq = 0;
  let origin = '';

  /** `<ms>-<n>` like the documented `1625274862454-0`, increasing even within one millisecond. */
  function nextId(): string {
    const now = Date.now();
    if (now > lastMs) {
      lastMs = now;
      seq = 0;
    } else {
      seq++;
    }
    return `${lastMs}-${seq}`;
  }
  const compareIds = (a: string, b: string) => {
    const [am, as] = a.split('-').map(Number) as [number, number];
    const [bm, bs] = b.split('-').map(Number) as [number, number];
    return am - bm || as - bs;
  };

  function room(username: string): Room {
    const r = rooms.get(username);
    if (!r) throw new Error(`fake Chaturbate: no broadcaster ${username}`);
    return r;
  }

  function statsOf(r: Room): CbStats {
    const hourAgo = Date.now() - 3_600_000;
    const tipsLastHour = r.events.filter((e) => e.method === 'tip' && Number(e.id.split('-')[0]) >= hourAgo).length;
    return {
      username: r.username,
      token_balance: r.balance,
      tips_in_last_hour: tipsLastHour,
      votes_up: 0,
      votes_down: 0,
      satisfaction_score: 0,
      last_broadcast: r.lastBroadcast,
      time_online: r.live && r.startedAt !== null ? Math.floor((Date.now() - r.startedAt) / 60_000) : -1,
      num_followers: r.followers,
      num_viewers: r.live ? r.inRoom.size : 0,
      num_registered_viewers: r.live ? r.inRoom.size : 0,
      num_tokened_viewers: r.live ? r.inRoom.size : 0,
      ...r.statsOverride,
    };
  }

  /** What the room's own state does with an event (the Stats API reads it). */
  function play(r: Room, e: CbEvent) {
    const user = (e.object.user as { username?: string } | undefined)?.username;
    switch (e.method) {
      case 'broadcastStart': r.live = true; r.startedAt = Date.now(); r.lastBroadcast = new Date().toISOString(); break;
      case 'broadcastStop': r.live = false; r.startedAt = null; r.inRoom.clear(); break;
      case 'follow': r.followers++; break;
      case 'unfollow': r.followers = Math.max(0, r.followers - 1); break;
      case 'userEnter': if (user) r.inRoom.add(user); break;
      case 'userLeave': if (user) r.inRoom.delete(user); break;
      case 'tip': r.balance += Number((e.object.tip as { tokens?: number }).tokens ?? 0); break;
      case 'mediaPurchase': r.balance += Number((e.object.media as { tokens?: number }).tokens ?? 0); break;
      default: break;
    }
  }

  /** Counts the request against the token's minute; false when over the limit. */
  function withinRateLimit(token: string): boolean {
    const now = Date.now();
    const recent = (hits.get(token) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= rateLimit) {
      hits.set(token, recent);
      return false;
    }
    recent.push(now);
    hits.set(token, recent);
    return true;
  }

  function send(req: CbRequest, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    req.status = status;
    if (res.destroyed || res.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function nextUrlFor(username: string, token: string, i: string | null, timeout: number | null): string {
    const url = new URL(`${origin}/events/${encodeURIComponent(username)}/${encodeURIComponent(token)}/`);
    if (i) url.searchParams.set('i', i);
    // "If a timeout is not set, the nextUrl will default to a 10 second timeout."
    url.searchParams.set('timeout', String(timeout ?? 10));
    return url.toString();
  }

  function eventsAfter(r: Room, i: string | null): CbEvent[] {
    const after = i === null ? r.events : r.events.filter((e) => compareIds(e.id, i) > 0);
    return after.slice(0, maxBatch);
  }

  async function handleEvents(rec: CbRequest, req: IncomingMessage, res: ServerResponse, username: string, token: string, query: URLSearchParams) {
    const r = rooms.get(username);
    if (!r || !r.eventsTokens.has(token)) return send(rec, res, 401, { status: 'Unauthorized' });
    if (!withinRateLimit(token)) {
      return send(rec, res, 429, { status: 'Too many requests: the limit is 2000 requests per minute' }, { 'retry-after': '60' });
    }
    const scripted = takeScriptedFailure(failures, 'events');
    if (scripted) return send(rec, res, scripted.status, scripted.body ?? { status: `error ${scripted.status} at ${req.url}` }, scripted.headers);
    const rawTimeout = query.get('timeout');
    let timeout: number | null = null;
    if (rawTimeout !== null) {
      timeout = Number(rawTimeout);
      if (!Number.isInteger(timeout) || timeout < 0 || timeout > 90) return send(rec, res, 400, { status: 'timeout must be an integer between 0 and 90' });
    }
    const i = query.get('i');
    let batch = eventsAfter(r, i);
    if (batch.length === 0 && (timeout ?? 10) > 0) {
      // The long poll: answer as soon as the room has something, or when the timeout passes.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          timers.delete(timer);
          r.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, (timeout ?? 10) * 1000);
        timers.add(timer);
        r.waiters.add(done);
        res.once('close', done);
      });
      if (res.destroyed) return;
      // The token may have been deleted while the poll waited.
      if (!r.eventsTokens.has(token)) return send(rec, res, 401, { status: 'Unauthorized' });
      batch = eventsAfter(r, i);
    }
    const lastId = batch.at(-1)?.id ?? i;
    const nextUrl = nextUrlFor(username, token, lastId, timeout);
    if (batch.length > 0 && loseAnswers > 0) {
      loseAnswers--;
      rec.status = -1;
      res.socket?.destroy();
      return;
    }
    if (batch.length === 0 && tooLong) return send(rec, res, 400, { status: 'Waited too long for events', nextUrl });
    send(rec, res, 200, { events: batch, nextUrl });
  }

  function handleStats(rec: CbRequest, res: ServerResponse, query: URLSearchParams) {
    const username = query.get('username');
    const token = query.get('token');
    rec.username = username;
    if (!username || !token) return send(rec, res, 400, { status: 'username and token are required' });
    const r = rooms.get(username);
    if (!r || !r.statsTokens.has(token)) return send(rec, res, 401, { status: 'Unauthorized' });
    if (!withinRateLimit(token)) return send(rec, res, 429, { status: 'Too many requests' }, { 'retry-after': '60' });
    const scripted = takeScriptedFailure(failures, 'stats');
    if (scripted) return send(rec, res, scripted.status, scripted.body ?? { status: `error ${scripted.status}` }, scripted.headers);
    send(rec, res, 200, statsOf(r));
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  async function handleAdmin(rec: CbRequest, req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams) {
    const [what, username] = parts;
    const body = req.method === 'POST' ? await readJson(req) : {};
    if (what === 'broadcasters' && req.method === 'POST') return send(rec, res, 200, fake.addBroadcaster(String(body.username), body as { eventsToken?: string; statsToken?: string }));
    if (what === 'events' && username && req.method === 'POST') return send(rec, res, 200, { events: fake.push(username, ...(body.events as CbEventInput[])) });
    if (what === 'revoke' && username && req.method === 'POST') {
      fake.revoke(username, body.api === 'stats' ? 'stats' : 'events');
      return send(rec, res, 200, { ok: true });
    }
    if (what === 'stats' && username && req.method === 'POST') {
      fake.setStats(username, body as Partial<CbStats>);
      return send(rec, res, 200, fake.stats(username));
    }
    if (what === 'requests' && req.method === 'GET') {
      const user = query.get('username');
      const api = query.get('api');
      return send(rec, res, 200, { requests: requests.filter((r) => (!user || r.username === user) && (!api || r.api === api)) });
    }
    send(rec, res, 404, { status: 'unknown admin route' });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const rec: CbRequest = { api: 'other', username: null, method: req.method ?? 'GET', path: url.pathname + url.search, at: Date.now() };
    const work = (async () => {
      if (parts[0] === '__admin') return handleAdmin(rec, req, res, parts.slice(1), url.searchParams);
      requests.push(rec);
      if (req.method === 'GET' && parts[0] === 'events' && parts.length === 3) {
        rec.api = 'events';
        rec.username = parts[1]!;
        rec.path = rec.path.replace(encodeURIComponent(parts[2]!), '<token>');
        return handleEvents(rec, req, res, parts[1]!, parts[2]!, url.searchParams);
      }
      if (req.method === 'GET' && parts[0] === 'statsapi' && parts.length === 1) {
        rec.api = 'stats';
        rec.path = rec.path.replace(/token=[^&]*/, 'token=<token>');
        return handleStats(rec, res, url.searchParams);
      }
      send(rec, res, 404, { status: 'Not found' });
    })();
    work.catch((error: Error) => send(rec, res, 500, { status: error.message }));
  });

  const fake: FakeChaturbate = {
    url: '',
    eventsRoot: '',
    statsRoot: '',
    requests,
    addBroadcaster(username, opts = {}) {
      const eventsToken = opts.eventsToken ?? randomBytes(18).toString('base64url').slice(0, 24);
      const statsToken = opts.statsToken ?? randomBytes(18).toString('base64url').slice(0, 24);
      const existing = rooms.get(username);
      if (existing) {
        existing.eventsTokens.add(eventsToken);
        existing.statsTokens.add(statsToken);
      } else {
        rooms.set(username, {
          username, eventsTokens: new Set([eventsToken]), statsTokens: new Set([statsToken]), events: [], waiters: new Set(),
          live: false, startedAt: null, lastBroadcast: -1, followers: opts.followers ?? 0, balance: 0, inRoom: new Set(), statsOverride: {},
        });
      }
      return { username, eventsToken, statsToken };
    },
    push(username, ...inputs) {
      const r = room(username);
      const added = inputs.map((input) => ({ method: input.method, id: nextId(), object: input.object }));
      for (const e of added) {
        r.events.push(e);
        play(r, e);
      }
      for (const wake of [...r.waiters]) wake();
      return added;
    },
    pushed: (username) => [...room(username).events],
    revoke(username, api) {
      const r = room(username);
      (api === 'events' ? r.eventsTokens : r.statsTokens).clear();
      for (const wake of [...r.waiters]) wake();
    },
    setStats(username, patch) {
      Object.assign(room(username).statsOverride, patch);
    },
    stats: (username) => statsOf(room(username)),
    requestCount: (username, api) => requests.filter((r) => r.username === username && (!api || r.api === api)).length,
    failNext(api, status, opts = {}) {
      failures.push({ route: api, status, body: opts.body, headers: opts.headers, remaining: opts.count ?? 1, skip: opts.skip ?? 0 });
    },
    loseNextAnswer(count = 1) {
      loseAnswers += count;
    },
    setRateLimit(perMinute) {
      rateLimit = perMinute;
      hits.clear();
    },
    waitedTooLong(on) {
      tooLong = on;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const r of rooms.values()) for (const wake of [...r.waiters]) wake();
      await closeServer(server);
    },
  };

  origin = await listenOnLoopback(server);
  fake.url = origin;
  fake.eventsRoot = origin;
  fake.statsRoot = `${origin}/statsapi/`;
  return fake;
}
