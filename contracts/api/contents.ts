/** Contents: the upload (multipart), one content with its publications, and the approve / reject decisions. */
import { Type, type Static } from '@sinclair/typebox';
import { moderationRuleKinds } from '../../core/types.js';
import { IsoTime, Nullable, Page, PageQuery, StringEnum, Uuid } from './common.js';
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

const Violation = Type.Object({
  code: Type.String({ description: 'too_long, too_many_hashtags, link_not_allowed, banned_word, pattern, missing_tag, too_many_mentions' }),
  overridable: Type.Boolean({ description: 'moderation rules are; platform limits are not' }),
  ruleId: Type.Optional(Type.String()),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  message: Type.String({ description: 'English; the dashboard words it from code + params' }),
});

/** What the desk needs per platform the content goes to: limits, the stored draft's counters and violations, and where it would land. */
export const ContentTarget = Type.Object({
  platform: Type.String(),
  limits: Type.Object({ maxCaptionLength: Type.Integer(), maxHashtags: Type.Integer(), linksAllowed: Type.Boolean() }),
  usage: Type.Object({
    characters: Type.Integer(), maxCharacters: Type.Integer(), hashtags: Type.Integer(), maxHashtags: Type.Integer(),
    links: Type.Integer(), linksAllowed: Type.Boolean(), mentions: Type.Integer(),
  }),
  violations: Type.Array(Violation),
  /** Per account on that platform: the next free slot of the rules now (null: none within the horizon); only while the content waits. */
  accounts: Type.Array(Type.Object({ accountId: Type.String(), username: Type.String(), plannedSlot: Nullable(IsoTime) })),
});

/** A moderation rule as core/moderation.ts reads it, so the dashboard checks every keystroke with the server's own code. */
export const ContentModerationRule = Type.Object({
  id: Type.String(), kind: StringEnum(moderationRuleKinds), value: Type.String(), platform: Nullable(Type.String()), modelId: Nullable(Type.String()), note: Type.Optional(Nullable(Type.String())),
});

export const Content = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  modelName: Type.String(),
  modelTimezone: Type.String(),
  originalFilename: Nullable(Type.String()),
  /** Authenticated, with range requests (the page's <video> plays it). */
  mediaUrl: Type.String(),
  /** When retention deleted the video (mediaUrl then answers 410; thumbnail and facts stay); null while it is stored. */
  mediaDeletedAt: Type.Optional(Nullable(IsoTime)),
  thumbnailUrl: Nullable(Type.String()),
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
  /** Per platform of its caption drafts: limits, counters, violations, planned slots. */
  targets: Type.Array(ContentTarget),
  /** The active moderation rules that apply to her captions (studio-wide and hers). */
  moderationRules: Type.Array(ContentModerationRule),
});
export type Content = Static<typeof Content>;
export type ContentTarget = Static<typeof ContentTarget>;

/** GET /api/contents: waiting ones oldest first (the queue), any other status newest first. */
export const ContentListQuery = Type.Object(
  {
    status: Type.Optional(ContentStatus),
    modelId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'part of the model name, the context, the file name or a caption' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ContentListQuery = Static<typeof ContentListQuery>;

export const ContentListItem = Type.Object({
  id: Type.String(),
  status: ContentStatus,
  modelId: Type.String(),
  modelName: Type.String(),
  receivedAt: IsoTime,
  context: Nullable(Type.String()),
  originalFilename: Nullable(Type.String()),
  media: Type.Object({ durationSeconds: Nullable(Type.Number()), width: Nullable(Type.Integer()), height: Nullable(Type.Integer()), sizeBytes: Nullable(Type.Integer()) }),
  thumbnailUrl: Nullable(Type.String()),
  duplicateOfId: Nullable(Type.String()),
  rejectionReason: Nullable(Type.String()),
  /** The platforms it has caption drafts for. */
  platforms: Type.Array(Type.String()),
});
export type ContentListItem = Static<typeof ContentListItem>;
export const ContentList = Page(ContentListItem);
export type ContentList = Static<typeof ContentList>;

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
  {
    captions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), CaptionEdit)),
    overrides: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      maxItems: 50, uniqueItems: true,
      description: 'platform names approved despite their moderation violations (recorded with who); platform limits cannot be overridden',
    })),
  },
  { additionalProperties: false },
);
export type ApproveBody = Static<typeof ApproveBody>;

/** The model reads the reason. */
export const RejectBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export type RejectBody = Static<typeof RejectBody>;

export const Decision = Type.Object({ id: Type.String(), decision: StringEnum(['approve', 'reject'] as const) });
export type Decision = Static<typeof Decision>;
