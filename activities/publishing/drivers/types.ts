import type { BrowserContext, Page } from 'playwright-core';
import type { Logger } from 'pino';
import type { PostMetrics } from '../../../core/types.js';

import type { SessionState } from '../../../contracts/workflows.js';

export type { SessionState };
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
  /**
   * The platform holds it as a draft the creator finishes in the app (TikTok's inbox upload): the publication ends
   * `published_as_draft`, and `url` is where the creator finds it (the profile) until then.
   */
  draft?: true;
}

/** What one read found per counter: a number, or null when the counter was looked for but unreadable. */
export type MetricsRead = Partial<Record<keyof PostMetrics, number | null>>;

export interface PlatformDriver {
  /** Needs a positive logged-in marker; anything it cannot place is `unknown`, never valid. */
  checkSession(ctx: DriverContext): Promise<SessionState>;
  /** Logs in with a username and password where the platform allows it; the context then holds the session. */
  login?(ctx: DriverContext, credentials: { username: string; password: string }): Promise<SessionState>;
  publish(ctx: DriverContext, post: { videoPath: string; caption: string; tags: string[]; marker: string }): Promise<PostRef>;
  findByMarker(ctx: DriverContext, marker: string): Promise<PostRef | null>;
  /** Throws PostUnavailable when the post page says the post does not exist. */
  readMetrics(ctx: DriverContext, post: PostRef): Promise<MetricsRead>;
}
