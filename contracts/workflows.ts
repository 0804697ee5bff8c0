/**
 * The agreement between services (and tests) and the Temporal workflows: task queues, workflow types and ids,
 * inputs and results, signals and queries. Workflows implement these signatures; services start and signal them
 * through this file alone, never importing workflow code.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LifecycleOptions } from '../core/lifecycle.js';
import type { PublicationStatus } from '../core/types.js';
import type { DriverKind } from './drivers.js';
import type { MediaRetentionTotals } from './events.js';

// ── Task queues and ids ─────────────────────────────────────────────────────────────────────

/** Temporal task queues (DESIGN "Task queues"): workflows + db on pipeline, ffmpeg on media, Playwright on browser, official APIs on api. */
export const TaskQueues = { pipeline: 'pipeline', media: 'media', browser: 'browser', api: 'api' } as const;
export type TaskQueueName = (typeof TaskQueues)[keyof typeof TaskQueues];

export const contentWorkflowId = (contentId: string) => `content-${contentId}`;
export const publicationWorkflowId = (publicationId: string) => `publication-${publicationId}`;
/** One check of one account; the suffix keeps on-demand and scheduled checks apart. */
export const sessionCheckWorkflowId = (accountId: string, suffix: string) => `session-check-${accountId}-${suffix}`;
/** The Temporal Schedule that checks every saved session (default every 6 h). */
export const sessionHealthScheduleId = 'session-health';
/** The Temporal Schedule that deletes expired raw clicks once a day (CLICK_RETENTION_DAYS). */
export const clickRetentionScheduleId = 'click-retention';
/** The Temporal Schedule that deletes expired media, evidence and orphaned uploads once a day (README "Retention"). */
export const mediaRetentionScheduleId = 'media-retention';
/** One long-running workflow per API stream source (Chaturbate Events + Stats): `streamSourceWorkflow`. */
export const streamSourceWorkflowId = (sourceId: string) => `stream-source-${sourceId}`;
/** The weekly Temporal Schedule that computes learned posting slots and suggests them in the admin chat. */
export const learnedSlotsScheduleId = 'learned-slots-suggestion';

// ── Who acted ───────────────────────────────────────────────────────────────────────────────

/** Who acted and when (ISO time taken by the service, so the workflow stays deterministic). */
export interface Actor {
  actor: string;
  at: string;
}

export type CaptionEdits = Record<string, { caption?: string; tags?: string[] }>;

export interface ApproveInput extends Actor {
  /** Per platform name: an edited caption and/or tags that replace the draft. */
  captions?: CaptionEdits;
  /** Platforms approved despite their moderation violations (the codes), as the service found them; recorded with the actor. */
  overrides?: { platform: string; violations: string[] }[];
}
export interface RejectInput extends Actor {
  reason: string;
}
export type RescheduleInput = Actor & { scheduledTime: string };
export type CancelInput = Actor & { reason?: string };

// ── contentWorkflow ─────────────────────────────────────────────────────────────────────────

export interface ContentWorkflowInput {
  contentId: string;
  options?: Partial<LifecycleOptions>;
}

export interface ContentWorkflowResult {
  status: 'rejected' | 'duplicate' | 'no_accounts' | 'scheduled';
  reason?: string;
  duplicateOfId?: string;
  publications: { publicationId: string; workflowId: string; scheduledTime: string }[];
}

export type ContentWorkflow = (input: ContentWorkflowInput) => Promise<ContentWorkflowResult>;

export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const rejectSignal = defineSignal<[RejectInput]>('reject');

// ── publicationWorkflow ─────────────────────────────────────────────────────────────────────

export interface PublicationWorkflowInput {
  publicationId: string;
  options?: Partial<LifecycleOptions>;
  /** Set by continueAsNew: the metrics read to continue from. */
  resume?: { pollIndex: number };
}

export interface PublicationWorkflowResult {
  status: PublicationStatus;
  postUrl?: string;
  error?: string;
}

export type PublicationWorkflow = (input: PublicationWorkflowInput) => Promise<PublicationWorkflowResult>;

export const rescheduleSignal = defineSignal<[RescheduleInput]>('reschedule');
export const publishNowSignal = defineSignal<[Actor]>('publishNow');
export const cancelSignal = defineSignal<[CancelInput]>('cancel');
/** After a failure (or while held): publish again now; the driver first looks for an existing post. */
export const retrySignal = defineSignal<[Actor]>('retry');
/** The account or model was resumed: held publications go back to waiting for their time. */
export const releaseSignal = defineSignal<[Actor]>('release');

export interface PublicationWorkflowState {
  phase: 'waiting' | 'publishing' | 'stopped' | 'polling' | 'done';
  status: PublicationStatus;
  scheduledTime: string | null;
  metricsReads: number;
}
export const publicationStateQuery = defineQuery<PublicationWorkflowState>('state');

// ── Session health ──────────────────────────────────────────────────────────────────────────

export type SessionState = 'logged_in' | 'logged_out' | 'challenge' | 'unknown';

export interface SessionCheckInput {
  accountId: string;
  actor: string;
  /** Username/password encrypted with the app key (never in clear in the history); present = log in first. */
  credentials?: string;
  /** Which workers check it: `api` for official-API platforms; absent = `browser` (inputs from before API drivers). */
  driverKind?: DriverKind;
  /** API accounts: a credentials body or an OAuth code (activities/publishing/api.ts ConnectRequest), encrypted; present = connect first. */
  connect?: string;
  /** Activity timeouts (heartbeat, database); absent = the defaults. */
  options?: Partial<LifecycleOptions>;
}

/** The Schedule's sweep; it starts with no input, so every field is optional. */
export interface SessionHealthInput {
  /** Passed on to each account's check. */
  options?: Partial<LifecycleOptions>;
}

export interface SessionCheckOutcome {
  accountId: string;
  state: SessionState;
  /** The account's status after the check. */
  status: string;
  /** Workflows of publications released because the session is valid again. */
  releasedWorkflowIds: string[];
}

export type SessionCheckWorkflow = (input: SessionCheckInput) => Promise<SessionCheckOutcome>;
export type SessionHealthWorkflow = (input?: SessionHealthInput) => Promise<{ checked: number; states: Record<string, number> }>;

// ── Click retention ─────────────────────────────────────────────────────────────────────────

/** The Schedule's daily run; every field is optional (a run started by hand takes the worker's configuration). */
export interface ClickRetentionInput {
  /** Raw clicks older than this many days are deleted; absent = the worker's CLICK_RETENTION_DAYS. */
  retentionDays?: number;
  /** Activity timeouts (heartbeat); absent = the defaults. */
  options?: Partial<LifecycleOptions>;
}

export interface ClickRetentionOutcome {
  /** Clicks before this instant were deleted (ISO). */
  cutoff: string;
  clicksDeleted: number;
  /** `click_visitors` / `click_salts` rows of days before yesterday (UTC). */
  visitorsDeleted: number;
  saltsDeleted: number;
}

export type ClickRetentionWorkflow = (input?: ClickRetentionInput) => Promise<ClickRetentionOutcome>;

// ── Media retention ─────────────────────────────────────────────────────────────────────────

/** Ages in days per kind (0 = keep forever); absent = the worker's MEDIA_RETENTION_* / EVIDENCE_* / INCOMING_* settings. */
export interface MediaRetentionDays {
  /** Original and platform variants of contents whose every publication is final, after the last one ended. */
  publishedMediaDays?: number;
  /** Media of rejected and duplicate contents, after the decision. */
  rejectedMediaDays?: number;
  /** Failure evidence attempt directories, after they were written. */
  evidenceDays?: number;
  /** Uploads in media/incoming no content refers to (left by a crash), after they were written. */
  incomingOrphanDays?: number;
}

export interface MediaRetentionInput extends MediaRetentionDays {
  options?: Partial<LifecycleOptions>;
}

export type MediaRetentionOutcome = MediaRetentionTotals & { now: string };

export type MediaRetentionWorkflow = (input?: MediaRetentionInput) => Promise<MediaRetentionOutcome>;

// ── Learned slots ───────────────────────────────────────────────────────────────────────────

/** The weekly run of the `learned-slots-suggestion` Schedule. */
export interface LearnedSlotsInput {
  options?: Partial<LifecycleOptions>;
}

export interface LearnedSlotsOutcome {
  /** Models with a suggestion (0: no message). */
  suggested: number;
  /** Whether this run recorded the suggestion event (false when there was none, or a retry found it recorded). */
  recorded: boolean;
}

export type LearnedSlotsWorkflow = (input?: LearnedSlotsInput) => Promise<LearnedSlotsOutcome>;

/** Workflow type names as registered by the worker (the exported function names in workflows/index.ts). */
export const WorkflowTypes = {
  content: 'contentWorkflow',
  publication: 'publicationWorkflow',
  sessionCheck: 'sessionCheckWorkflow',
  sessionHealth: 'sessionHealthWorkflow',
  clickRetention: 'clickRetentionWorkflow',
  mediaRetention: 'mediaRetentionWorkflow',
  learnedSlots: 'learnedSlotsWorkflow',
} as const;

// ── streamSourceWorkflow ────────────────────────────────────────────────────────────────────

/**
 * Follows one stream source's Events API feed (and its Stats API while a session is open) until the source is
 * deleted, paused or its token revoked. Carries no secret: activities read the tokens and the `nextUrl` cursor from
 * the database. `continueAsNew` keeps the history short; `statsDueAt` carries the next Stats API reading over.
 */
export interface StreamSourceWorkflowInput {
  sourceId: string;
  statsDueAt?: string;
  /** Sessions opened/closed from this time (the database's clock) are still to be acted on; set by `continueAsNew`. */
  since?: string;
  options?: Partial<LifecycleOptions>;
}
export type StreamSourceWorkflowResult = { status: 'revoked' | 'stopped' };
export type StreamSourceWorkflow = (input: StreamSourceWorkflowInput) => Promise<StreamSourceWorkflowResult>;
/** Sent by the service when the source is deleted or paused: the workflow ends after the current poll. */
export const stopStreamSourceSignal = defineSignal('stopStreamSource');
