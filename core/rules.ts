/**
 * The rules a model publishes under, in one place. A model's stored `distribution` may predate a field (or
 * leave it out): every caller reads the *effective* rules, the stored ones over the defaults, and asks the same
 * questions of them here. Pure (workflows, services and the UI may all call it).
 */
import { validateSchedulingRules } from './scheduling.js';
import { defaultDistributionRules, linkPlacements, type DistributionRules, type PlatformCapabilities } from './types.js';

const DAY_MS = 86_400_000;

/** The stored distribution over the defaults: fields a model never set take the product's default. */
export function effectiveRules(distribution: Partial<DistributionRules> | null | undefined): DistributionRules {
  return { ...defaultDistributionRules, ...distribution };
}

/** Whether the rules let the model publish to a platform (an empty allow-list means every platform). */
export function platformAllowed(rules: Pick<DistributionRules, 'allowedPlatforms'>, platformName: string): boolean {
  return rules.allowedPlatforms.length === 0 || rules.allowedPlatforms.includes(platformName);
}

/**
 * The span of an account's taken slots a scheduler must see to place (or check) a time from `now` on a platform
 * with this horizon: two days back, because spacing and the per-local-day cap look across a local day in any
 * time zone, up to the horizon plus two days for the same reason at the far end.
 */
export function takenSlotWindow(now: Date, lead: Pick<PlatformCapabilities, 'maxLeadDays'>): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - 2 * DAY_MS), to: new Date(now.getTime() + (lead.maxLeadDays + 2) * DAY_MS) };
}

/** The latest time the platform accepts a publication for, seen from `now`. */
export function horizonEnd(now: Date, lead: Pick<PlatformCapabilities, 'maxLeadDays'>): Date {
  return new Date(now.getTime() + lead.maxLeadDays * DAY_MS);
}

// ── A model's status ───────────────────────────────────────────────────────────────────────────

/** What `models.status` may be (PRD activa / pausada / en_prueba). */
export type ModelStatus = 'active' | 'paused' | 'testing';
export const modelStatuses = ['active', 'paused', 'testing'] as const satisfies readonly ModelStatus[];

/**
 * The rules a model publishes under right now: her effective rules, where `testing` (a studio trying a new model)
 * means every content waits for a person's approval whatever `approvalRequired` says, so nothing goes out by
 * accident. `paused` changes nothing here: pausing holds publications (db/models.ts, beginPublication).
 * Read where the approval decision is taken (db/publishing-context.ts), never inside a workflow, so recorded
 * workflow histories replay unchanged.
 */
export function modelRules(model: { status: string; distribution: Partial<DistributionRules> | null | undefined }): DistributionRules {
  const rules = effectiveRules(model.distribution);
  return model.status === 'testing' ? { ...rules, approvalRequired: true } : rules;
}

// ── Validating rules an admin edits ────────────────────────────────────────────────────────────

/** A field of DistributionRules (or `hashtagPools.<platform>` / `captionTemplates.<platform>`). */
export type DistributionField = keyof DistributionRules | `hashtagPools.${string}` | `captionTemplates.${string}`;

/**
 * What is wrong with one field, as a code and its parameters (the dashboard says it from its catalogue in the
 * admin's language; the API says it in English, messages/en/dashboard-models.ts `models.problem.<code>`).
 */
export interface DistributionProblem {
  field: DistributionField;
  code: DistributionProblemCode;
  params?: Record<string, string | number>;
}

export type DistributionProblemCode =
  | 'not_text' | 'not_number' | 'not_whole_number' | 'not_list' | 'not_boolean' | 'not_object'
  | 'out_of_range' | 'too_many' | 'too_long' | 'duplicate'
  | 'unknown_time_zone' | 'malformed_slot' | 'invalid_schedule'
  | 'unknown_platform' | 'unknown_language' | 'unknown_link_placement'
  | 'invalid_hashtag' | 'hashtags_too_long' | 'unknown_placeholder' | 'template_too_long' | 'too_many_hashtags' | 'template_has_link';

/** A platform as the validator sees it: its name (the key of pools and templates) and effective capabilities. */
export interface PlatformLimits {
  name: string;
  capabilities: Pick<PlatformCapabilities, 'maxCaptionLength' | 'maxHashtags' | 'linksAllowed'>;
}

/**
 * Bounds of the editor, beyond what the scheduler itself demands: generous, and there so a typo (a cap of 4000,
 * a reminder every 0 hours) is caught before it becomes a model's rules.
 */
export const distributionLimits = {
  maxSlots: 48,
  maxPostsPerDay: 1000,
  maxSpacingMinutes: 24 * 60,
  minReminderHours: 0.25,
  maxReminderHours: 24 * 30,
  maxVoiceLength: 500,
  maxTemplateLength: 2000,
  maxPoolSize: 100,
  maxHashtagLength: 40,
} as const;

/** Placeholders a caption template may use (core/captions.ts fillTemplate). */
const templatePlaceholders = new Set(['model', 'context', 'platform']);
/** Room a template's own words must leave on a platform: the blank line, the link (where allowed) and the marker (see defaultReserve). */
const TEMPLATE_RESERVE = { withLink: 2 + 60 + 1 + 16 + 1, withoutLink: 2 + 16 + 1 } as const;

// Same shapes as core/captions.ts (kept here so this file stays free of the caption engine).
const urlInTemplate = /\b(?:https?:\/\/|www\.)\S+/iu;
const templateHashtag = /(^|[^\p{L}\p{N}_&/#])#([\p{L}\p{N}_]+)/gu;

/**
 * Every problem with a model's distribution rules, field by field (empty = valid). The scheduling fields are
 * checked with `validateSchedulingRules`, the very check the scheduler runs, one field at a time so each problem
 * lands on its field; pools and templates are checked against each platform's limits (`platforms`: every
 * platform the studio has, so allowed platforms and per-platform keys must name one of them). Takes `unknown`
 * values on purpose: the input is an admin's form or a stored jsonb.
 */
export function validateDistribution(input: Partial<Record<keyof DistributionRules, unknown>>, platforms: readonly PlatformLimits[]): DistributionProblem[] {
  const problems: DistributionProblem[] = [];
  const add = (field: DistributionField, code: DistributionProblemCode, params?: DistributionProblem['params']) => {
    problems.push(params ? { field, code, params } : { field, code });
  };
  const byName = new Map(platforms.map((p) => [p.name, p]));
  const rules = input;

  // Scheduling: each field alone against otherwise valid rules, through the scheduler's own check.
  const probe = (over: Partial<Record<'timezone' | 'slots' | 'maxPostsPerDay' | 'minSpacingMinutes', unknown>>) =>
    validateSchedulingRules({ timezone: 'UTC', slots: [], maxPostsPerDay: 1, minSpacingMinutes: 0, ...over } as Parameters<typeof validateSchedulingRules>[0]);
  if (typeof rules.timezone !== 'string') add('timezone', 'not_text');
  else if (probe({ timezone: rules.timezone }).length > 0) add('timezone', 'unknown_time_zone', { value: rules.timezone });

  if (!Array.isArray(rules.slots)) add('slots', 'not_list');
  else {
    const seen = new Set<string>();
    for (const slot of rules.slots as unknown[]) {
      if (probe({ slots: [slot] }).length > 0) add('slots', 'malformed_slot', { value: String(slot) });
      else if (seen.has(slot as string)) add('slots', 'duplicate', { value: slot as string });
      else seen.add(slot as string);
    }
    if (rules.slots.length > distributionLimits.maxSlots) add('slots', 'too_many', { count: rules.slots.length, max: distributionLimits.maxSlots });
  }

  if (typeof rules.maxPostsPerDay !== 'number' || !Number.isFinite(rules.maxPostsPerDay)) add('maxPostsPerDay', 'not_number');
  else if (!Number.isInteger(rules.maxPostsPerDay)) add('maxPostsPerDay', 'not_whole_number');
  else if (probe({ maxPostsPerDay: rules.maxPostsPerDay }).length > 0 || rules.maxPostsPerDay > distributionLimits.maxPostsPerDay) {
    add('maxPostsPerDay', 'out_of_range', { min: 1, max: distributionLimits.maxPostsPerDay });
  }

  if (typeof rules.minSpacingMinutes !== 'number' || !Number.isFinite(rules.minSpacingMinutes)) add('minSpacingMinutes', 'not_number');
  else if (probe({ minSpacingMinutes: rules.minSpacingMinutes }).length > 0 || rules.minSpacingMinutes > distributionLimits.maxSpacingMinutes) {
    add('minSpacingMinutes', 'out_of_range', { min: 0, max: distributionLimits.maxSpacingMinutes });
  }

  // The scheduler's verdict on the whole: anything it refuses that the per-field checks missed still stops here.
  if (!problems.some((p) => ['timezone', 'slots', 'maxPostsPerDay', 'minSpacingMinutes'].includes(p.field))) {
    const whole = validateSchedulingRules(rules as Parameters<typeof validateSchedulingRules>[0]);
    if (whole.length > 0) add('slots', 'invalid_schedule', { message: whole.join('; ') });
  }

  if (!Array.isArray(rules.allowedPlatforms)) add('allowedPlatforms', 'not_list');
  else {
    const seen = new Set<string>();
    for (const name of rules.allowedPlatforms as unknown[]) {
      if (typeof name !== 'string' || !byName.has(name)) add('allowedPlatforms', 'unknown_platform', { value: String(name) });
      else if (seen.has(name)) add('allowedPlatforms', 'duplicate', { value: name });
      else seen.add(name);
    }
  }

  if (typeof rules.approvalRequired !== 'boolean') add('approvalRequired', 'not_boolean');

  const reminder = rules.approvalReminderHours;
  if (typeof reminder !== 'number' || !Number.isFinite(reminder)) add('approvalReminderHours', 'not_number');
  else if (reminder < distributionLimits.minReminderHours || reminder > distributionLimits.maxReminderHours) {
    add('approvalReminderHours', 'out_of_range', { min: distributionLimits.minReminderHours, max: distributionLimits.maxReminderHours });
  }

  if (rules.language !== 'es' && rules.language !== 'en') add('language', 'unknown_language', { value: String(rules.language) });

  if (rules.voice !== undefined) {
    if (typeof rules.voice !== 'string') add('voice', 'not_text');
    else if (rules.voice.length > distributionLimits.maxVoiceLength) add('voice', 'too_long', { length: rules.voice.length, max: distributionLimits.maxVoiceLength });
  }

  if (!(linkPlacements as readonly unknown[]).includes(rules.linkPlacement)) add('linkPlacement', 'unknown_link_placement', { value: String(rules.linkPlacement) });

  checkPool('hashtags', rules.hashtags, undefined, add);
  if (rules.hashtagPools !== undefined) {
    if (!isPlainObject(rules.hashtagPools)) add('hashtagPools', 'not_object');
    else {
      for (const [name, pool] of Object.entries(rules.hashtagPools)) {
        const platform = byName.get(name);
        if (!platform) add(`hashtagPools.${name}`, 'unknown_platform', { value: name });
        else checkPool(`hashtagPools.${name}`, pool, platform, add);
      }
    }
  }

  if (rules.captionTemplate !== undefined) {
    // The general template is used on every platform without its own: check it against the tightest one.
    const tightest = [...platforms].sort((a, b) => a.capabilities.maxCaptionLength - b.capabilities.maxCaptionLength)[0];
    checkTemplate('captionTemplate', rules.captionTemplate, tightest, add);
  }
  if (rules.captionTemplates !== undefined) {
    if (!isPlainObject(rules.captionTemplates)) add('captionTemplates', 'not_object');
    else {
      for (const [name, template] of Object.entries(rules.captionTemplates)) {
        const platform = byName.get(name);
        if (!platform) add(`captionTemplates.${name}`, 'unknown_platform', { value: name });
        else checkTemplate(`captionTemplates.${name}`, template, platform, add);
      }
    }
  }
  return problems;
}

type AddProblem = (field: DistributionField, code: DistributionProblemCode, params?: DistributionProblem['params']) => void;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A hashtag the caption engine keeps as written: letters, digits and `_` after an optional '#'. */
function hashtagProblem(tag: unknown): boolean {
  if (typeof tag !== 'string') return true;
  const bare = tag.replace(/^#/, '');
  return bare.length === 0 || bare.length > distributionLimits.maxHashtagLength || !/^[\p{L}\p{N}_]+$/u.test(bare);
}

/** A pool: a list of valid, distinct tags; on a platform, no more than it shows and a tag line that leaves room for a caption. */
function checkPool(field: DistributionField, pool: unknown, platform: PlatformLimits | undefined, add: AddProblem): void {
  if (!Array.isArray(pool)) return add(field, 'not_list');
  const seen = new Set<string>();
  for (const tag of pool as unknown[]) {
    if (hashtagProblem(tag)) add(field, 'invalid_hashtag', { value: String(tag) });
    else {
      const key = (tag as string).replace(/^#/, '').toLowerCase();
      if (seen.has(key)) add(field, 'duplicate', { value: tag as string });
      seen.add(key);
    }
  }
  if (pool.length > distributionLimits.maxPoolSize) add(field, 'too_many', { count: pool.length, max: distributionLimits.maxPoolSize });
  if (!platform) return;
  const { maxHashtags, maxCaptionLength, linksAllowed } = platform.capabilities;
  if (pool.length > maxHashtags) add(field, 'too_many_hashtags', { count: pool.length, max: maxHashtags, platform: platform.name });
  const line = pool.filter((t): t is string => typeof t === 'string').slice(0, maxHashtags).map((t) => `#${t.replace(/^#/, '')}`).join(' ');
  const room = maxCaptionLength - (linksAllowed ? TEMPLATE_RESERVE.withLink : TEMPLATE_RESERVE.withoutLink);
  if (line.length > room) add(field, 'hashtags_too_long', { length: line.length, max: Math.max(0, room), platform: platform.name });
}

/**
 * A template: known placeholders only; its own words (placeholders left out), blank line, link and marker fit the
 * platform; no more inline hashtags than the platform shows; no link of its own (ours is the only one posted, and
 * platforms without links would have it cut).
 */
function checkTemplate(field: DistributionField, template: unknown, platform: PlatformLimits | undefined, add: AddProblem): void {
  if (typeof template !== 'string') return add(field, 'not_text');
  if (template.length > distributionLimits.maxTemplateLength) add(field, 'too_long', { length: template.length, max: distributionLimits.maxTemplateLength });
  for (const match of template.matchAll(/\{([^{}\s]*)\}/g)) {
    if (!templatePlaceholders.has(match[1]!)) add(field, 'unknown_placeholder', { value: match[0] });
  }
  if (urlInTemplate.test(template)) add(field, 'template_has_link');
  if (!platform) return;
  const { maxHashtags, maxCaptionLength, linksAllowed } = platform.capabilities;
  const ownWords = template.replace(/\{(model|context|platform)\}/g, '').trim().length;
  const room = maxCaptionLength - (linksAllowed ? TEMPLATE_RESERVE.withLink : TEMPLATE_RESERVE.withoutLink);
  if (ownWords > room) add(field, 'template_too_long', { length: ownWords, max: Math.max(0, room), platform: platform.name });
  const inline = [...template.matchAll(templateHashtag)].length;
  if (inline > maxHashtags) add(field, 'too_many_hashtags', { count: inline, max: maxHashtags, platform: platform.name });
}
