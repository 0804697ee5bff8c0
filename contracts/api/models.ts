/**
 * Models: the paged list, create (optionally from a regional preset), read and edit with the distribution rules,
 * the preview of the next free slots, and the one-time Telegram link code the admin hands to a model.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { presetCodes } from '../../core/presets.js';
import { modelStatuses } from '../../core/rules.js';
import { linkPlacements } from '../../core/types.js';
import { IsoTime, Nullable, Page, PageQuery, StringEnum, Uuid } from './common.js';

export const ModelStatusSchema = StringEnum(modelStatuses, {
  description: '`testing`: every content waits for approval, whatever `approvalRequired` says; `paused`: publications are held',
});
export const PresetCode = StringEnum(presetCodes, { description: 'regional preset (core/presets.ts): zone, prime-time slots, language, hashtag pools' });

/**
 * The distribution rules' fields, typed. Ranges and cross-field rules (a time zone that exists, slots as HH:MM, a
 * platform that exists, limits of each platform) are checked by core/rules.ts `validateDistribution`, which names
 * every wrong field at once (`fields['distribution.<field>']`).
 */
const distributionFields = {
  timezone: Type.String({ description: 'IANA time zone, e.g. America/Bogota' }),
  slots: Type.Array(Type.String(), { description: 'local posting times "HH:MM"; empty = as soon as possible' }),
  maxPostsPerDay: Type.Number({ description: 'per account and local day' }),
  minSpacingMinutes: Type.Number({ description: 'between two publications of one account' }),
  allowedPlatforms: Type.Array(Type.String(), { description: 'platform names; empty = every active platform' }),
  approvalRequired: Type.Boolean(),
  approvalReminderHours: Type.Number({ description: 'hours without a decision before a reminder' }),
  language: StringEnum(['es', 'en'] as const, { description: 'captions and the bot (es or en only)' }),
  voice: Type.String({ description: 'the caption voice, given to the LLM' }),
  captionTemplate: Type.String({ description: 'placeholders {model} {context} {platform}' }),
  captionTemplates: Type.Record(Type.String(), Type.String(), { description: 'per platform name: a template that replaces captionTemplate' }),
  hashtags: Type.Array(Type.String(), { description: 'the general pool, without #' }),
  hashtagPools: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'per platform name: tags placed before the general pool' }),
  linkPlacement: StringEnum(linkPlacements, { description: 'where the tracking link goes: after the tags, first line, or nowhere (profile bio)' }),
};

/** The effective rules of a model, as it publishes under them. */
export const Distribution = Type.Object({
  timezone: distributionFields.timezone,
  slots: distributionFields.slots,
  maxPostsPerDay: distributionFields.maxPostsPerDay,
  minSpacingMinutes: distributionFields.minSpacingMinutes,
  allowedPlatforms: distributionFields.allowedPlatforms,
  approvalRequired: distributionFields.approvalRequired,
  approvalReminderHours: distributionFields.approvalReminderHours,
  language: distributionFields.language,
  voice: Type.Optional(distributionFields.voice),
  captionTemplate: Type.Optional(distributionFields.captionTemplate),
  captionTemplates: Type.Optional(distributionFields.captionTemplates),
  hashtags: distributionFields.hashtags,
  hashtagPools: Type.Optional(distributionFields.hashtagPools),
  linkPlacement: distributionFields.linkPlacement,
});
export type Distribution = Static<typeof Distribution>;

/**
 * `null` or the schema. Null first: Fastify's Ajv coerces types, and with the string branch first it would turn a
 * `null` into `''` before the null branch is tried.
 */
const Removable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

/** Rules to set: each field given replaces that field (`null` removes an optional one: voice, templates, pools). */
export const DistributionPatch = Type.Object(
  {
    timezone: Type.Optional(distributionFields.timezone),
    slots: Type.Optional(distributionFields.slots),
    maxPostsPerDay: Type.Optional(distributionFields.maxPostsPerDay),
    minSpacingMinutes: Type.Optional(distributionFields.minSpacingMinutes),
    allowedPlatforms: Type.Optional(distributionFields.allowedPlatforms),
    approvalRequired: Type.Optional(distributionFields.approvalRequired),
    approvalReminderHours: Type.Optional(distributionFields.approvalReminderHours),
    language: Type.Optional(distributionFields.language),
    voice: Type.Optional(Removable(distributionFields.voice)),
    captionTemplate: Type.Optional(Removable(distributionFields.captionTemplate)),
    captionTemplates: Type.Optional(Removable(distributionFields.captionTemplates)),
    hashtags: Type.Optional(distributionFields.hashtags),
    hashtagPools: Type.Optional(Removable(distributionFields.hashtagPools)),
    linkPlacement: Type.Optional(distributionFields.linkPlacement),
  },
  { additionalProperties: false },
);
export type DistributionPatch = Static<typeof DistributionPatch>;

const ModelName = Type.String({ minLength: 1, maxLength: 100, description: 'unique, ignoring case; spaces at the ends are dropped' });

/** A row of the models list (the accounts page picks a model from these too). */
export const ModelSummary = Type.Object({
  id: Uuid,
  name: Type.String(),
  status: ModelStatusSchema,
  timezone: Type.String(),
  accountCount: Type.Integer(),
  lastPublishedAt: Nullable(IsoTime),
  telegramLinked: Type.Boolean(),
  /** Her content is adult/sensitive: each platform's label is applied (Bluesky self-label, Reddit NSFW, Telegram spoiler). */
  sensitive: Type.Boolean(),
});
export type ModelSummary = Static<typeof ModelSummary>;

export const ModelList = Page(ModelSummary);
export type ModelList = Static<typeof ModelList>;

export const ModelListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'part of the name (case-insensitive)' })),
    status: Type.Optional(ModelStatusSchema),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ModelListQuery = Static<typeof ModelListQuery>;

export const ModelAccount = Type.Object({ id: Uuid, platform: Type.String(), username: Type.String(), status: Type.String() });
export type ModelAccount = Static<typeof ModelAccount>;

/** What the rules editor shows next to each platform's pools and templates. */
export const PlatformLimitsView = Type.Object({
  name: Type.String(),
  active: Type.Boolean(),
  maxCaptionLength: Type.Integer(),
  maxHashtags: Type.Integer(),
  linksAllowed: Type.Boolean(),
});
export type PlatformLimitsView = Static<typeof PlatformLimitsView>;

export const ModelDetail = Type.Object({
  ...ModelSummary.properties,
  distribution: Distribution,
  accounts: Type.Array(ModelAccount),
  platforms: Type.Array(PlatformLimitsView, { description: 'every platform of the studio, with the limits pools and templates must fit' }),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ModelDetail = Static<typeof ModelDetail>;

export const CreateModelBody = Type.Object(
  {
    name: ModelName,
    status: Type.Optional(ModelStatusSchema),
    preset: Type.Optional(PresetCode),
    distribution: Type.Optional(DistributionPatch),
  },
  { additionalProperties: false, description: 'a preset fills the rules; fields given in `distribution` override it' },
);
export type CreateModelBody = Static<typeof CreateModelBody>;

export const UpdateModelBody = Type.Object(
  {
    name: Type.Optional(ModelName),
    status: Type.Optional(ModelStatusSchema),
    sensitive: Type.Optional(Type.Boolean({ description: 'adult/sensitive content: drivers apply each platform\'s label' })),
    distribution: Type.Optional(DistributionPatch),
  },
  { additionalProperties: false, description: 'everything is checked before anything is written; paused/active go through pause/resume' },
);
export type UpdateModelBody = Static<typeof UpdateModelBody>;

/** Draft overrides of the scheduling fields: the preview shows what the rules *would* give before they are saved. */
export const SlotsPreviewQuery = Type.Object(
  {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
    timezone: Type.Optional(Type.String({ maxLength: 100 })),
    slots: Type.Optional(Type.String({ maxLength: 1000, description: 'comma-separated "HH:MM"; empty = as soon as possible' })),
    maxPostsPerDay: Type.Optional(Type.Number()),
    minSpacingMinutes: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type SlotsPreviewQuery = Static<typeof SlotsPreviewQuery>;

export const SlotsPreviewAccount = Type.Object({
  accountId: Uuid,
  platform: Type.String(),
  username: Type.String(),
  /** The platform's lead rules, so a browser can compute the same slots (core/scheduling.ts). */
  minLeadMinutes: Type.Number(),
  maxLeadDays: Type.Number(),
  /** The account's taken times the scheduler weighs (live publications), oldest first. */
  taken: Type.Array(IsoTime),
  /** The next free slots, earliest first (fewer than `count` when the platform's horizon is full). */
  slots: Type.Array(IsoTime),
});
export type SlotsPreviewAccount = Static<typeof SlotsPreviewAccount>;

export const SlotsPreview = Type.Object({
  timezone: Type.String({ description: 'the zone the rules are read in (the draft one when given)' }),
  now: IsoTime,
  count: Type.Integer(),
  rules: Type.Object({ timezone: Type.String(), slots: Type.Array(Type.String()), maxPostsPerDay: Type.Number(), minSpacingMinutes: Type.Number() }),
  accounts: Type.Array(SlotsPreviewAccount, { description: 'active accounts on active platforms the rules allow' }),
});
export type SlotsPreview = Static<typeof SlotsPreview>;

export const TelegramLinkBody = Type.Object(
  { ttlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30, description: 'default TELEGRAM_LINK_CODE_HOURS' })) },
  { additionalProperties: false },
);
export type TelegramLinkBody = Static<typeof TelegramLinkBody>;

export const TelegramLinkCode = Type.Object({
  code: Type.String(),
  expiresAt: IsoTime,
  deepLink: Nullable(Type.String({ description: '`https://t.me/<bot>?start=<code>`; null without a configured bot' })),
  qrSvg: Nullable(Type.String({ description: 'the deep link as a QR code (SVG markup); null without a configured bot' })),
});
export type TelegramLinkCode = Static<typeof TelegramLinkCode>;
