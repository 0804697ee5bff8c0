/** Publications: the list, the counts of the overview, and the controls that signal their workflows. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';
import { publicationStatuses } from './statuses.js';
import { EventKindSchema } from './events.js';
import { EvidenceFileView } from './evidence.js';

export const PublicationStatus = StringEnum(publicationStatuses);
export type PublicationStatus = Static<typeof PublicationStatus>;

/** One publication as the admin reads it (with the model, platform and account names). */
export const Publication = Type.Object({
  id: Type.String(),
  contentId: Type.String(),
  status: PublicationStatus,
  modelName: Type.String(),
  platformName: Type.String(),
  accountUsername: Type.String(),
  scheduledTime: Nullable(IsoTime),
  publishedAt: Nullable(IsoTime),
  postUrl: Nullable(Type.String()),
  externalId: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  /** `publication-<id>` in the Temporal Web UI. */
  workflowId: Nullable(Type.String()),
  caption: Nullable(Type.String()),
  /** Failure evidence was captured; the files are at GET /api/publications/:id/evidence. */
  hasEvidence: Type.Boolean(),
});
export type Publication = Static<typeof Publication>;

/** GET /api/publications query: newest first, at most `limit` (default 200). */
export const PublicationListQuery = Type.Object({
  contentId: Type.Optional(Uuid),
  status: Type.Optional(PublicationStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type PublicationListQuery = Static<typeof PublicationListQuery>;

export const PublicationList = Type.Object({
  items: Type.Array(Publication),
  /** Base URL of the Temporal Web UI, and the namespace the workflows live in: links are `<url>/namespaces/<ns>/workflows/<id>`. */
  temporalUiUrl: Type.String(),
  temporalNamespace: Type.String(),
});
export type PublicationList = Static<typeof PublicationList>;

/** GET /api/publications/counts: every publication counted by status in SQL (not a page of the list). */
export const PublicationCounts = Type.Object({
  counts: Type.Object({
    scheduled: Type.Integer(),
    held: Type.Integer(),
    processing: Type.Integer(),
    published: Type.Integer(),
    failed: Type.Integer(),
    canceled: Type.Integer(),
    unconfirmed: Type.Integer(),
    published_as_draft: Type.Integer(),
  }),
  total: Type.Integer(),
});
export type PublicationCounts = Static<typeof PublicationCounts>;
export type StatusCounts = PublicationCounts['counts'];

export const RescheduleBody = Type.Object(
  { scheduledTime: Type.String({ format: 'date-time', description: 'ISO 8601, in the future and within the platform’s horizon' }) },
  { additionalProperties: false },
);
export type RescheduleBody = Static<typeof RescheduleBody>;

/** The admin's time wins over the rules: a broken rule comes back as a warning. */
export const Rescheduled = Type.Object({ id: Type.String(), scheduledTime: IsoTime, warnings: Type.Array(Type.String()) });
export type Rescheduled = Static<typeof Rescheduled>;

export const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export type CancelBody = Static<typeof CancelBody>;

// ── GET /api/publications/:id: the detail page ────────────────────────────────────────────

/** One event of the publication's timeline: who did what, when. */
export const PublicationTimelineItem = Type.Object({
  id: Type.Integer(),
  ts: IsoTime,
  kind: EventKindSchema,
  /** As stored (English); `kind` + `data` render it in another language (messages/<lang>/events.ts). */
  description: Type.String(),
  actor: Type.String(),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  /** `publication`: recorded about this publication; `content`: about its content before it was scheduled (received, ingested, captions, approval). */
  scope: StringEnum(['publication', 'content'] as const),
});
export type PublicationTimelineItem = Static<typeof PublicationTimelineItem>;

/** One publish attempt: its error, and the failure evidence it left (GET /api/publications/:id/evidence). */
export const PublicationAttempt = Type.Object({
  attempt: Type.Integer(),
  /** `type: message` from the attempt's info.json; for the last attempt of a publication still not published, its `lastError`. */
  error: Nullable(Type.String()),
  files: Type.Array(EvidenceFileView),
  /** info.json as written, or null (no evidence, or unreadable). */
  info: Type.Unknown(),
});
export type PublicationAttempt = Static<typeof PublicationAttempt>;

/** One metrics read (null: the platform did not show that counter). */
export const PublicationMetricPoint = Type.Object({
  ts: IsoTime,
  views: Nullable(Type.Integer()),
  likes: Nullable(Type.Integer()),
  comments: Nullable(Type.Integer()),
  shares: Nullable(Type.Integer()),
  reach: Nullable(Type.Integer()),
  saves: Nullable(Type.Integer()),
  platformFollowers: Nullable(Type.Integer()),
  source: Type.String(),
});
export type PublicationMetricPoint = Static<typeof PublicationMetricPoint>;

/** At most this many metric reads (the newest) and timeline events (the newest) in one detail. */
export const publicationDetailLimits = { metrics: 2000, timeline: 500 } as const;

export const PublicationDetail = Type.Object({
  /** The same view the list gives. */
  publication: Publication,
  /** The tags the post was published with. */
  tags: Type.Array(Type.String()),
  content: Type.Object({
    id: Type.String(),
    status: Type.String(),
    context: Nullable(Type.String()),
    /** GET /api/contents/:id/thumbnail, or null when ingest made none. */
    thumbnailUrl: Nullable(Type.String()),
    durationSeconds: Nullable(Type.Number()),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
  }),
  model: Type.Object({ id: Type.String(), name: Type.String(), timezone: Type.String() }),
  account: Type.Object({ id: Type.String(), username: Type.String(), platform: Type.String(), profileUrl: Nullable(Type.String()) }),
  /** The workflow in the Temporal Web UI, in the configured namespace; null when it has none. */
  workflowUrl: Nullable(Type.String()),
  /** The post's own tracking link (null for posts scheduled before tracking links) and the clicks it brought. */
  tracking: Type.Object({
    link: Nullable(Type.String()),
    clicks: Type.Integer({ description: 'by people' }),
    uniqueClicks: Type.Integer(),
    botClicks: Type.Integer(),
  }),
  /** Oldest first; the newest `publicationDetailLimits.timeline` when there are more (`timelineTruncated`). */
  timeline: Type.Array(PublicationTimelineItem),
  timelineTruncated: Type.Boolean(),
  /** Every attempt (1…`publication.attempts`, plus any that left evidence), oldest first. */
  attempts: Type.Array(PublicationAttempt),
  /** Oldest first; the newest `publicationDetailLimits.metrics` reads when there are more (`metricsTruncated`). */
  metrics: Type.Array(PublicationMetricPoint),
  metricsTruncated: Type.Boolean(),
  /** What the admin may do now: the controls the publication's status allows (services/publications.ts). */
  actions: Type.Object({ publishNow: Type.Boolean(), reschedule: Type.Boolean(), cancel: Type.Boolean(), retry: Type.Boolean() }),
});
export type PublicationDetail = Static<typeof PublicationDetail>;
