/** Contents: the upload (multipart), one content with its publications, and the approve / reject decisions. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';
import { Publication } from './publications.js';
import { contentStatuses } from './statuses.js';

/** Longest `context` a model may send with a video. */
export const maxContextLength = 4000;

/**
 * POST /api/contents, multipart/form-data. Documentation only: the route reads the parts as a stream
 * (the video never sits in memory) and checks each field itself, answering 400 naming the field.
 */
export const ContentUpload = Type.Object({
  video: Type.String({ format: 'binary', description: 'the video file (mp4, mov, webm, …); at most MAX_UPLOAD_MB' }),
  modelId: Uuid,
  context: Type.Optional(Type.String({ maxLength: maxContextLength, description: 'what the model says about the video' })),
});

export const ContentSubmitted = Type.Object({ id: Type.String(), workflowId: Type.String() });
export type ContentSubmitted = Static<typeof ContentSubmitted>;

export const ContentStatus = StringEnum(contentStatuses);
export type ContentStatus = Static<typeof ContentStatus>;

export const CaptionDraft = Type.Object({
  caption: Type.String(),
  tags: Type.Array(Type.String()),
  source: StringEnum(['template', 'llm', 'edited'] as const),
});
export type CaptionDraft = Static<typeof CaptionDraft>;

export const Content = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  status: ContentStatus,
  workflowId: Nullable(Type.String()),
  receivedAt: IsoTime,
  context: Nullable(Type.String()),
  caption: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  sha256: Nullable(Type.String()),
  media: Type.Object({
    durationSeconds: Nullable(Type.Number()),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    sizeBytes: Nullable(Type.Integer()),
    codec: Nullable(Type.String()),
  }),
  rejectionReason: Nullable(Type.String()),
  approvedAt: Nullable(IsoTime),
  approvedBy: Nullable(Type.String()),
  rejectedAt: Nullable(IsoTime),
  rejectedBy: Nullable(Type.String()),
  duplicateOfId: Nullable(Type.String()),
  /** Per platform name: the caption drafted (or edited) before scheduling. */
  captions: Type.Record(Type.String(), CaptionDraft),
  publications: Type.Array(Publication),
  /** Adult/sensitive (the content's own label, else her model's): drivers apply each platform's flag. */
  sensitive: Type.Boolean(),
  /** Per target account, how its platform labels the content or why it would refuse it (core/labels.ts). */
  warnings: Type.Array(Type.Object({
    platform: Type.String(), username: Type.String(), code: Type.String(), message: Type.String({ description: 'English; the dashboard and bot say it in the admin\'s language' }),
  })),
});
export type Content = Static<typeof Content>;

export const CaptionEdit = Type.Object(
  {
    caption: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type CaptionEdit = Static<typeof CaptionEdit>;

/** Optional edits per platform name; they replace the drafted caption and/or tags. */
export const ApproveBody = Type.Object(
  { captions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), CaptionEdit)) },
  { additionalProperties: false },
);
export type ApproveBody = Static<typeof ApproveBody>;

/** The model reads the reason. */
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export type RejectBody = Static<typeof RejectBody>;

export const Decision = Type.Object({ id: Type.String(), decision: StringEnum(['approve', 'reject'] as const) });
export type Decision = Static<typeof Decision>;
