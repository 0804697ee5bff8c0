// What every route module needs: the store, the seed, the site clock and the armed faults.
import type { FastifyRequest } from 'fastify';
import { currentSession, type CurrentSession } from './auth.js';
import type { FaultRegistry } from './faults.js';
import type { Viewer } from './pages.js';
import type { DemoStore } from './store.js';

export interface DemoContext {
  store: DemoStore;
  seed: number;
  /** Site clock for post timestamps and counters (tests inject it). */
  now: () => number;
  /** Armed faults (POST /__admin/faults), consumed by the route handlers. */
  faults: FaultRegistry;
}

export function sessionOf(ctx: DemoContext, request: FastifyRequest): CurrentSession | null {
  return currentSession(request, ctx.store);
}

export function viewerOf(ctx: DemoContext, request: FastifyRequest): Viewer | null {
  const current = sessionOf(ctx, request);
  return current ? { username: current.user.username, displayName: current.user.displayName } : null;
}
