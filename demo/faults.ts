// Fault injection: a FIFO registry of armed faults (`POST /__admin/faults`), consumed by the
// route handlers at the point where a real site would misbehave, plus the plumbing for
// responses that never come (held sockets) and slow ones (delays). Faults that can hit any
// page (5xx, 429, logged-out redirect) are applied by one onRequest hook below; the others
// are taken by the upload and post handlers in post-routes.ts. See README.md for the catalogue.
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sessionExpiredRedirect } from './auth.js';
import { sessionOf, type DemoContext } from './context.js';
import { errorPage } from './pages.js';

const HTML = 'text/html; charset=utf-8';

const delayMs = z.number().int().min(0).max(600_000).optional();
const retryAfterS = z.number().int().min(0).max(86_400).optional();
const postId = z.string().regex(/^[a-z0-9]{1,40}$/, 'must be a post id').optional();

/** Every fault and the options it accepts (all optional). */
const FAULT_OPTIONS = {
  http_500: {},
  rate_limited: { retryAfterS },
  logged_out: {},
  logged_out_mid_upload: {},
  captcha: {},
  captcha_after_submit: {},
  overlay: {},
  variant_page: {},
  slow_upload: { delayMs },
  stalled_upload: {},
  no_confirmation: { mode: z.enum(['hold', 'reset']).optional() },
  daily_limit: {},
  post_deleted: { postId },
  metrics_layout_changed: { postId },
} as const;

export type FaultName = keyof typeof FAULT_OPTIONS;
export const FAULT_NAMES = Object.keys(FAULT_OPTIONS) as FaultName[];

export const DEFAULT_SLOW_UPLOAD_MS = 3_000;
export const DEFAULT_RETRY_AFTER_S = 60;

export interface FaultOptions {
  delayMs?: number;
  retryAfterS?: number;
  mode?: 'hold' | 'reset';
  postId?: string;
}

export interface ArmedFault {
  id: number;
  fault: FaultName;
  remaining: number;
  options: FaultOptions;
}

interface FiredFault {
  fault: FaultName;
  method: string;
  url: string;
  at: string;
}

interface InFlight {
  fault: FaultName;
  method: string;
  url: string;
  socket: Socket;
}

function isFaultName(name: unknown): name is FaultName {
  return typeof name === 'string' && Object.hasOwn(FAULT_OPTIONS, name);
}

/** Validates a `POST /__admin/faults` body; the error names the field, or lists the valid faults. */
export function parseFaultRequest(
  body: unknown,
): { ok: true; fault: FaultName; count: number; options: FaultOptions } | { ok: false; error: string } {
  const fault = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['fault'] : undefined;
  if (!isFaultName(fault)) {
    const what = fault === undefined ? 'missing "fault"' : `unknown fault ${JSON.stringify(fault)}`;
    return { ok: false, error: `${what}; valid faults: ${FAULT_NAMES.join(', ')}` };
  }
  const options = FAULT_OPTIONS[fault];
  const schema = z.strictObject({
    fault: z.literal(fault),
    count: z.number().int().min(1).max(1000).default(1),
    ...options,
  });
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const accepted = ['count', ...Object.keys(options)].join(', ');
    const issues = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')}: not an option of ${fault} (it takes: ${accepted})`
        : `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    return { ok: false, error: `invalid body: ${issues.join('; ')}` };
  }
  const { count, ...rest }: Record<string, unknown> & { count: number } = parsed.data;
  delete rest['fault'];
  return { ok: true, fault, count, options: rest as FaultOptions };
}

/** Reads and throws away what is left of a request body (so an early answer never races the upload). */
export function discardBody(raw: IncomingMessage): Promise<void> {
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => resolve();
    raw.once('end', done);
    raw.once('close', done);
    raw.once('error', done);
    raw.resume();
  });
}

export class FaultRegistry {
  private armed: ArmedFault[] = [];
  private fired: FiredFault[] = [];
  private readonly inFlight = new Set<InFlight>();
  private readonly delays = new Set<() => void>();
  private nextId = 1;
  private closed = false;

  arm(fault: FaultName, count: number, options: FaultOptions): ArmedFault {
    const entry: ArmedFault = { id: this.nextId++, fault, remaining: count, options };
    this.armed.push(entry);
    return { ...entry };
  }

  /**
   * Consumes one occurrence of the oldest matching armed fault and returns its options, or
   * null when none is armed. `postId` filters post-scoped faults armed for one post only.
   */
  take(fault: FaultName, request: FastifyRequest, target: { postId?: string } = {}): FaultOptions | null {
    const entry = this.armed.find(
      (e) => e.fault === fault && (e.options.postId === undefined || e.options.postId === target.postId),
    );
    if (!entry) return null;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.armed = this.armed.filter((e) => e !== entry);
    this.fired.push({ fault, method: request.method, url: request.url, at: new Date().toISOString() });
    if (this.fired.length > 200) this.fired.shift();
    return entry.options;
  }

  clear(): number {
    const cleared = this.armed.length;
    this.armed = [];
    this.fired = [];
    return cleared;
  }

  snapshot() {
    return {
      pending: this.armed.map((e) => ({ ...e })),
      inFlight: [...this.inFlight].map(({ fault, method, url }) => ({ fault, method, url })),
      fired: [...this.fired],
      available: FAULT_NAMES,
    };
  }

  /** Lists a connection as in flight until its socket closes or `untrack` is called; shutdown() cuts it. */
  private track(fault: FaultName, request: FastifyRequest): () => void {
    const entry: InFlight = { fault, method: request.method, url: request.url, socket: request.raw.socket };
    const untrack = (): void => {
      this.inFlight.delete(entry);
      entry.socket.off('close', untrack);
    };
    this.inFlight.add(entry);
    entry.socket.once('close', untrack);
    if (this.closed || entry.socket.destroyed) this.cut(entry);
    return untrack;
  }

  private cut(entry: InFlight): void {
    this.inFlight.delete(entry);
    entry.socket.destroy();
  }

  /**
   * The response never comes: the rest of the body is read and dropped, the socket stays open
   * until the client gives up or the server closes.
   */
  hold(request: FastifyRequest, reply: FastifyReply, fault: FaultName): FastifyReply {
    reply.hijack();
    this.track(fault, request);
    request.raw.resume();
    return reply;
  }

  /** The connection is cut without any response (what a crashed backend or proxy reset looks like). */
  reset(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    reply.hijack();
    request.raw.socket.destroy();
    return reply;
  }

  /**
   * Waits `ms` of wall-clock time, like a slow backend; it goes on even if the client leaves.
   * Resolves false, with the connection cut, if the server shuts down first.
   */
  delay(request: FastifyRequest, ms: number, fault: FaultName): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (completed: boolean): void => {
        clearTimeout(timer);
        this.delays.delete(cancel);
        untrack();
        resolve(completed);
      };
      const cancel = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      this.delays.add(cancel);
      const untrack = this.track(fault, request);
    });
  }

  /** Server shutdown: cut every held or delayed connection so close() never waits on them. */
  shutdown(): void {
    this.closed = true;
    for (const entry of [...this.inFlight]) this.cut(entry);
    for (const cancel of [...this.delays]) cancel();
  }
}

/** Routes whose pages can fail with 5xx/429, and which of them need a session. */
const PAGE_ROUTES: Record<string, 'auth' | 'public'> = {
  'GET /upload': 'auth',
  'POST /upload': 'auth',
  'GET /posts': 'auth',
  'GET /p/:id': 'public',
  'GET /u/:username': 'public',
};

export function registerFaults(app: FastifyInstance, ctx: DemoContext): void {
  const { faults } = ctx;

  app.addHook('preClose', async () => faults.shutdown());

  // Faults any page can hit, applied before the route runs (and before any body is parsed).
  app.addHook('onRequest', async (request, reply) => {
    const page = PAGE_ROUTES[`${request.method} ${request.routeOptions.url}`];
    if (!page) return;
    const rateLimited = faults.take('rate_limited', request);
    if (rateLimited) {
      await discardBody(request.raw);
      return reply
        .code(429)
        .header('retry-after', String(rateLimited.retryAfterS ?? DEFAULT_RETRY_AFTER_S))
        .type(HTML)
        .send(errorPage(429));
    }
    if (faults.take('http_500', request)) {
      await discardBody(request.raw);
      return reply.code(500).type(HTML).send(errorPage(500));
    }
    // Only a request that really carries a valid session can "lose" it.
    if (page === 'auth' && sessionOf(ctx, request) && faults.take('logged_out', request)) {
      await discardBody(request.raw);
      return reply.redirect(sessionExpiredRedirect(request), 302);
    }
  });

  app.get('/__admin/faults', async () => faults.snapshot());

  app.post('/__admin/faults', async (request, reply) => {
    const parsed = parseFaultRequest(request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error, valid: FAULT_NAMES });
    const armed = faults.arm(parsed.fault, parsed.count, parsed.options);
    return reply.code(201).send({ armed, pending: faults.snapshot().pending });
  });

  app.delete('/__admin/faults', async () => ({ cleared: faults.clear() }));
}
