/**
 * Auto-moderation rules (moderation_rules): the studio's banned words, regular expressions, required disclosure
 * tags and maximum @mentions, per platform and per model, edited from the dashboard; and the check of a caption
 * draft against a platform's limits and the rules that apply (core/moderation.ts, the same code the dashboard runs).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ViolationCode } from '../../core/moderation.js';
import { moderationRuleKinds } from '../../core/types.js';
import { IsoTime, Nullable, StringEnum, Uuid } from './common.js';

/** At most this many rules in the studio: every caption check reads them all. */
export const MODERATION_RULE_LIMIT = 500;
export const MODERATION_VALUE_MAX = 200;
export const MODERATION_NOTE_MAX = 500;

export const ModerationRuleKindSchema = StringEnum(moderationRuleKinds, {
  description:
    '`banned_word`: a word or phrase, whole words, case ignored · `pattern`: a JavaScript regular expression (flags `iu`; no nested ' +
    'quantifiers, repeated alternatives or back-references) · `required_tag`: `#tag` (in the tags or inline) or any text that must ' +
    'appear, e.g. `18+` · `max_mentions`: the most @mentions a caption may have (0–999)',
});

/** One rule as the API shows it: `platformId` / `modelId` null = every platform / every model. */
export const ModerationRule = Type.Object({
  id: Uuid,
  kind: ModerationRuleKindSchema,
  value: Type.String(),
  note: Nullable(Type.String()),
  active: Type.Boolean(),
  platformId: Nullable(Uuid),
  platform: Nullable(Type.String({ description: 'the platform\'s name; null = every platform' })),
  modelId: Nullable(Uuid),
  modelName: Nullable(Type.String({ description: 'null = every model' })),
  createdBy: Type.String({ description: 'the actor who created it' }),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ModerationRule = Static<typeof ModerationRule>;

export const ModerationRuleList = Type.Object({ items: Type.Array(ModerationRule) });
export type ModerationRuleList = Static<typeof ModerationRuleList>;

export const ModerationRuleListQuery = Type.Object(
  {
    modelId: Type.Optional(Uuid),
    platformId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ModerationRuleListQuery = Static<typeof ModerationRuleListQuery>;

const ruleFields = {
  kind: ModerationRuleKindSchema,
  value: Type.String({
    maxLength: 1000,
    description: `the word, expression, tag/text or number; at most ${MODERATION_VALUE_MAX} characters once trimmed; checked for its kind (400 \`invalid_rule\`, \`fields.value\`)`,
  }),
  note: Nullable(Type.String({ maxLength: MODERATION_NOTE_MAX, description: 'why the rule exists, shown with a violation; "" or null = none' })),
  platformId: Nullable(Type.String({ format: 'uuid', description: 'one platform; null = every platform' })),
  modelId: Nullable(Type.String({ format: 'uuid', description: 'one model; null = every model' })),
  active: Type.Boolean({ description: 'an inactive rule is kept but checks nothing' }),
};

/** POST /api/moderation-rules. */
export const ModerationRuleCreateBody = Type.Object(
  {
    kind: ruleFields.kind,
    value: ruleFields.value,
    note: Type.Optional(ruleFields.note),
    platformId: Type.Optional(ruleFields.platformId),
    modelId: Type.Optional(ruleFields.modelId),
    active: Type.Optional(ruleFields.active),
  },
  { additionalProperties: false },
);
export type ModerationRuleCreateBody = Static<typeof ModerationRuleCreateBody>;

/** PATCH /api/moderation-rules/:id: fields given replace those fields; kind and value are checked together. */
export const ModerationRulePatchBody = Type.Partial(Type.Object(ruleFields), { additionalProperties: false });
export type ModerationRulePatchBody = Static<typeof ModerationRulePatchBody>;

/** POST /api/moderation-rules/check: a caption draft of a model on a platform. */
export const ModerationCheckBody = Type.Object(
  {
    modelId: Uuid,
    platform: Type.String({ minLength: 1, maxLength: 100, description: 'the platform\'s name' }),
    caption: Type.String({ maxLength: 20_000 }),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200, description: 'hashtags, with or without #' })),
  },
  { additionalProperties: false },
);
export type ModerationCheckBody = Static<typeof ModerationCheckBody>;

export const CaptionUsage = Type.Object({
  characters: Type.Integer({ description: 'body + blank line + hashtag line' }),
  maxCharacters: Type.Integer({ description: 'what the platform leaves once the tracking link (where allowed) and the marker are reserved' }),
  hashtags: Type.Integer(),
  maxHashtags: Type.Integer(),
  links: Type.Integer(),
  linksAllowed: Type.Boolean(),
  mentions: Type.Integer(),
});
export type CaptionUsage = Static<typeof CaptionUsage>;

export const ViolationCodeSchema = StringEnum(
  ['too_long', 'too_many_hashtags', 'link_not_allowed', 'banned_word', 'pattern', 'missing_tag', 'too_many_mentions'] as const satisfies readonly ViolationCode[],
);

export const CaptionViolation = Type.Object({
  code: ViolationCodeSchema,
  overridable: Type.Boolean({ description: 'platform limits are not; moderation rules are (the override is recorded with its actor)' }),
  ruleId: Type.Optional(Type.String({ description: 'the moderation rule broken' })),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'what the message needs: the word, the count and the limit…' }),
  message: Type.String({ description: 'English; clients word it from `code` + `params`' }),
});
export type CaptionViolation = Static<typeof CaptionViolation>;

export const ModerationCheckResult = Type.Object({ usage: CaptionUsage, violations: Type.Array(CaptionViolation) });
export type ModerationCheckResult = Static<typeof ModerationCheckResult>;
