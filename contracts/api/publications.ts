/** Publications: the list, the counts of the overview, and the controls that signal their workflows. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';
import { publicationStatuses } from './statuses.js';

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
