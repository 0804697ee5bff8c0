/**
 * Evergreen reposts and live-aware posting (issue 17): marking a content reusable, reposting it, the origin's and the
 * reposts' results together, the analytics page's suggestions, and a model's live-posting setting. Pure: no I/O.
 */
import { Type, type Static } from '@sinclair/typebox';
import { repostLimits } from '../../core/reposts.js';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';
import { contentStatuses, publicationStatuses } from './statuses.js';

export const ReusableBody = Type.Object({
  reusable: Type.Boolean({ description: 'true: mark reusable (it needs a published publication); false: back to approved' }),
}, { additionalProperties: false });
export type ReusableBody = Static<typeof ReusableBody>;

export const ReusableReply = Type.Object({ id: Uuid, status: StringEnum(contentStatuses) });
export type ReusableReply = Static<typeof ReusableReply>;

const Caption = Type.String({ minLength: 1, maxLength: repostLimits.captionMaxLength, description: '`{link}` is replaced by the post\'s tracking link' });

export const RepostBody = Type.Object({
  accountIds: Type.Optional(Type.Array(Uuid, {
    maxItems: repostLimits.accountsMax, uniqueItems: true,
    description: 'the accounts to post on (absent or empty: every account her rules give); those in cooldown are left out',
  })),
  caption: Type.Optional(Caption),
}, { additionalProperties: false });
export type RepostBody = Static<typeof RepostBody>;

export const RepostCreated = Type.Object({
  id: Uuid,
  workflowId: Type.String(),
  originContentId: Uuid,
  targetAccountIds: Type.Array(Uuid),
});
export type RepostCreated = Static<typeof RepostCreated>;

export const FamilyPublication = Type.Object({
  id: Uuid,
  accountId: Uuid,
  username: Type.String(),
  platform: Type.String(),
  status: StringEnum(publicationStatuses),
  scheduledTime: Nullable(IsoTime),
  publishedAt: Nullable(IsoTime),
  postUrl: Nullable(Type.String()),
  views: Nullable(Type.Integer()),
  likes: Nullable(Type.Integer()),
  clicks: Type.Integer(),
});
export type FamilyPublication = Static<typeof FamilyPublication>;

const Results = Type.Object({
  posts: Type.Integer({ description: 'publications that went out' }),
  views: Type.Integer(),
  likes: Type.Integer(),
  clicks: Type.Integer(),
});

export const FamilyMember = Type.Object({
  id: Uuid,
  isOrigin: Type.Boolean(),
  status: StringEnum(contentStatuses),
  receivedAt: IsoTime,
  sentBy: Type.String(),
  liveStreamId: Nullable(Uuid),
  targetAccountIds: Nullable(Type.Array(Uuid)),
  totals: Results,
  publications: Type.Array(FamilyPublication),
});
export type FamilyMember = Static<typeof FamilyMember>;

export const RepostAccount = Type.Object({
  accountId: Uuid,
  username: Type.String(),
  platform: Type.String(),
  cooldown: Nullable(StringEnum(['posted', 'pending'] as const, { description: 'posted: a post within the cooldown; pending: one still to go out' })),
  cooldownUntil: Nullable(IsoTime),
});
export type RepostAccount = Static<typeof RepostAccount>;

export const RepostFamily = Type.Object({
  originId: Uuid,
  contentId: Uuid,
  reusable: Type.Boolean({ description: 'the origin is marked reusable' }),
  canMarkReusable: Type.Boolean({ description: 'the origin has a published publication and its video is still stored' }),
  mediaDeleted: Type.Boolean({ description: 'media retention deleted the origin\'s video: it can no longer be reposted' }),
  cooldownDays: Type.Integer(),
  totals: Results,
  members: Type.Array(FamilyMember, { description: 'the origin first, then its reposts, oldest first' }),
  accounts: Type.Array(RepostAccount, { description: 'the accounts a repost may go to now, with their cooldown' }),
});
export type RepostFamily = Static<typeof RepostFamily>;

export const SuggestionsQuery = Type.Object({
  modelId: Type.Optional(Uuid),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
}, { additionalProperties: false });
export type SuggestionsQuery = Static<typeof SuggestionsQuery>;

export const ReusableSuggestion = Type.Object({
  contentId: Uuid,
  modelId: Uuid,
  modelName: Type.String(),
  context: Nullable(Type.String()),
  receivedAt: IsoTime,
  lastPublishedAt: Nullable(IsoTime),
  thumbnailUrl: Nullable(Type.String()),
  posts: Type.Integer(),
  views: Type.Integer(),
  likes: Type.Integer(),
  clicks: Type.Integer(),
});
export type ReusableSuggestion = Static<typeof ReusableSuggestion>;

export const ReusableSuggestions = Type.Object({ items: Type.Array(ReusableSuggestion) });
export type ReusableSuggestions = Static<typeof ReusableSuggestions>;

export const LivePostingBody = Type.Object({
  enabled: Type.Boolean(),
  contentId: Uuid,
  accountIds: Type.Array(Uuid, { minItems: 1, maxItems: repostLimits.accountsMax, uniqueItems: true }),
  caption: Caption,
}, { additionalProperties: false });
export type LivePostingBody = Static<typeof LivePostingBody>;

export const LivePostingCandidate = Type.Object({
  id: Uuid,
  status: StringEnum(contentStatuses),
  label: Type.String({ description: 'its context, else its file name, else its date' }),
  receivedAt: IsoTime,
  thumbnailUrl: Nullable(Type.String()),
});

export const LivePostingView = Type.Object({
  modelId: Uuid,
  settings: Nullable(LivePostingBody),
  candidates: Type.Array(LivePostingCandidate, { description: 'her reusable or published contents whose video is stored, newest first' }),
  accounts: Type.Array(Type.Object({ id: Uuid, username: Type.String(), platform: Type.String(), status: Type.String() })),
});
export type LivePostingView = Static<typeof LivePostingView>;
