import type { BrowserContext, Page } from 'playwright-core';
import type { Logger } from 'pino';
import type { PostMetrics } from '../../../core/types.js';

export type SessionState = 'logged_in' | 'logged_out' | 'challenge' | 'unknown';
export type PublishStepName = 'uploading' | 'submitting' | 'unconfirmed';

export interface DriverContext {
  context: BrowserContext;
  page: Page;
  baseUrl: string;
  log: Logger;
  /** Milliseconds every single wait may take before it counts as a failure. */
  timeoutMs: number;
  /** Records the publish state machine step (DESIGN "Exactly-once publishing"). */
  step(step: PublishStepName): Promise<void>;
}

export interface PostRef {
  url: string;
  externalId: string;
}

export interface PlatformDriver {
  checkSession(ctx: DriverContext): Promise<SessionState>;
  publish(ctx: DriverContext, post: { videoPath: string; caption: string; tags: string[]; marker: string }): Promise<PostRef>;
  findByMarker(ctx: DriverContext, marker: string): Promise<PostRef | null>;
  readMetrics(ctx: DriverContext, post: PostRef): Promise<Partial<PostMetrics>>;
}
