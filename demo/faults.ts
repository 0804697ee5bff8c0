// FAULT INJECTION — placeholder.
// A later issue adds `POST /__admin/faults` (5xx, slow/stalled uploads, logged-out redirect
// mid-upload, captcha interstitial, click-intercepting overlay, lost response after publish,
// daily limit, second page variant). Its state and hooks belong in this file, registered by
// registerFaults() before any route so its onRequest/preHandler hooks run first.
import type { FastifyInstance } from 'fastify';
import type { DemoContext } from './context.js';

export function registerFaults(_app: FastifyInstance, _ctx: DemoContext): void {
  // Intentionally empty until fault injection is implemented.
}
