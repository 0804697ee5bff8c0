/**
 * What a caption draft may say on a platform, checked before approval (pure: the API runs it when an admin approves,
 * the dashboard runs the very same code on every keystroke, the content page shows it for the stored drafts).
 *
 * Two families of violation:
 * - **Limits** of the platform (`captionUsage`): characters (the body and the hashtag line within what
 *   `finalizeCaption` leaves once the tracking link and the marker are added), hashtags (inline + tags), links
 *   where the platform takes none. Never overridable: the platform would refuse the post or the caption would be
 *   cut, and the admin's words must not be cut behind her back.
 * - **Moderation rules** of the studio (moderation_rules): banned words, regular expressions, required disclosure
 *   tags (`#ad`, `18+`), a maximum of @mentions; per platform and per model. Overridable, one platform at a time,
 *   and the override is recorded with who made it (content_approved's `overrides`).
 *
 * Matching decisions: words and phrases match whole words, case-insensitively, accents as written; patterns are
 * JavaScript regular expressions run with the `iu` flags (checked when saved: they must compile and must not nest
 * quantifiers, which could hang the server on a long caption); a required tag starting with '#' is satisfied by
 * that hashtag in the tags or inline, any other required text by its presence anywhere in the caption.
 */
import { defaultReserve, inlineHashtags, normalizeHashtags } from './captions.js';
import type { CaptionDraft, ModerationRuleKind, PlatformCapabilities } from './types.js';

export interface ModerationRule {
  id: string;
  kind: ModerationRuleKind;
  value: string;
  /** Platform name, or null for every platform. */
  platform: string | null;
  /** Model id, or null for every model. */
  modelId: string | null;
  note?: string | null;
}

export type ViolationCode =
  | 'too_long' | 'too_many_hashtags' | 'link_not_allowed'
  | 'banned_word' | 'pattern' | 'missing_tag' | 'too_many_mentions';

export interface CaptionViolation {
  code: ViolationCode;
  /** Limits are not; moderation rules are (the admin decides, and it is recorded). */
  overridable: boolean;
  /** The moderation rule broken, when it is one. */
  ruleId?: string;
  /** What the message needs: the word, the count and the limit, … */
  params: Record<string, string | number>;
  /** English; the dashboard and the bot word it from `code` + `params`. */
  message: string;
}

export interface CaptionUsage {
  /** Body + blank line + hashtag line, as `finalizeCaption` lays them out. */
  characters: number;
  /** What is left for them once the link (where allowed) and the marker are reserved. */
  maxCharacters: number;
  hashtags: number;
  maxHashtags: number;
  links: number;
  linksAllowed: boolean;
  mentions: number;
}

type Draft = Pick<CaptionDraft, 'caption' | 'tags'>;
/** The limits a caption is checked against (a platform's effective capabilities, or this much of them). */
export type CaptionLimits = Pick<PlatformCapabilities, 'maxCaptionLength' | 'maxHashtags' | 'linksAllowed'>;

const linkPattern = /\b(?:https?:\/\/|www\.)[^\s<>"]+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|tv|ly|app|link|xyz|live|fans|cam|gg|info|site|online|club)\b/giu;
const mentionPattern = /(^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}_.]{1,64})/gu;

/** The tags the draft will post (normalised, inline duplicates dropped), with the body's own hashtags. */
function hashtagsOf(draft: Draft): { inline: string[]; tags: string[] } {
  const inline = inlineHashtags(draft.caption);
  const inlineKeys = new Set(inline.map((t) => t.toLowerCase()));
  return { inline, tags: normalizeHashtags(draft.tags).filter((t) => !inlineKeys.has(t.toLowerCase())) };
}

/** The counters an editor shows against the platform's limits. */
export function captionUsage(draft: Draft, caps: CaptionLimits): CaptionUsage {
  const body = draft.caption.trim();
  const { inline, tags } = hashtagsOf(draft);
  const tagLine = tags.map((t) => `#${t}`).join(' ');
  return {
    characters: body.length + (tagLine ? 2 + tagLine.length : 0),
    maxCharacters: Math.max(0, caps.maxCaptionLength - defaultReserve(caps)),
    hashtags: inline.length + tags.length,
    maxHashtags: caps.maxHashtags,
    links: (body.match(linkPattern) ?? []).length,
    linksAllowed: caps.linksAllowed,
    mentions: [...body.matchAll(mentionPattern)].length,
  };
}

/** The rules that apply to a model's caption on a platform. */
export function rulesFor<R extends Pick<ModerationRule, 'platform' | 'modelId'>>(rules: readonly R[], platform: string, modelId: string): R[] {
  return rules.filter((r) => (r.platform === null || r.platform === platform) && (r.modelId === null || r.modelId === modelId));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A whole-word, case-insensitive matcher for a word or phrase (its spaces match any run of white space, a line
 * break too). Letters include combining marks, so "cafe" is no whole word inside a decomposed "café"; callers
 * match against NFC text.
 */
function wordMatcher(word: string): RegExp {
  const body = escapeRegExp(word.trim().normalize('NFC')).replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}_])${body}(?![\\p{L}\\p{M}\\p{N}_])`, 'iu');
}

/**
 * What makes a backtracking engine take exponential time on a long caption: a group repeated by `+`, `*` or
 * `{…}` that holds a quantifier itself, however deep (`(a+)+`, `((a+))+`, `((ab)*)*`), or alternatives
 * (`(a|a)+`, which can match the same text two ways). Read token by token: escapes and character classes are
 * skipped, so `(a\+)+` and `([+|])+` pass.
 */
function hangingShape(source: string): 'nested' | 'alternation' | null {
  // Per open group: whether it holds a quantifier, and whether it holds alternatives.
  const open: { quantified: boolean; alternation: boolean }[] = [];
  let closed: { quantified: boolean; alternation: boolean } | null = null;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    const justClosed = closed;
    closed = null;
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (ch === '(') {
      open.push({ quantified: false, alternation: false });
      if (source[i + 1] === '?') i++; // (?: (?= (?! (?<= (?<! (?<name>: that '?' repeats nothing
    } else if (ch === ')') {
      closed = open.pop() ?? null;
      const parent = open.at(-1);
      if (closed && parent) {
        parent.quantified ||= closed.quantified;
        parent.alternation ||= closed.alternation;
      }
    } else if (ch === '|') {
      const group = open.at(-1);
      if (group) group.alternation = true;
    } else if (ch === '+' || ch === '*' || (ch === '{' && /^\{\d+(?:,\d*)?\}/.test(source.slice(i)))) {
      if (justClosed?.quantified) return 'nested';
      if (justClosed?.alternation) return 'alternation';
      const group = open.at(-1);
      if (group) group.quantified = true;
      if (ch === '{') i = source.indexOf('}', i);
    }
  }
  return null;
}

/** Why a rule cannot be saved (null when it can). */
export function ruleProblem(rule: Pick<ModerationRule, 'kind' | 'value'>): string | null {
  const value = rule.value.trim();
  if (!value) return 'value is empty';
  if (value.length > 200) return 'value is longer than 200 characters';
  switch (rule.kind) {
    case 'banned_word':
      return null;
    case 'required_tag':
      // Hashtags are compared as normalizeHashtags leaves them: anything else could never be satisfied.
      return value.startsWith('#') && !/^#[\p{L}\p{N}_]+$/u.test(value) ? 'a hashtag is # followed by letters, digits or _ only' : null;
    case 'max_mentions':
      return /^\d{1,3}$/.test(value) ? null : 'value must be a whole number from 0 to 999';
    case 'pattern': {
      let compiled: RegExp;
      try {
        compiled = new RegExp(value, 'iu');
      } catch (error) {
        return `not a valid regular expression: ${(error as Error).message}`;
      }
      if (/\\(?:\d|k<)/.test(value)) return 'back-references are not allowed (they can hang the server)';
      switch (hangingShape(value)) {
        case 'nested': return 'nested quantifiers such as (a+)+ are not allowed (they can hang the server)';
        case 'alternation': return 'a repeated group of alternatives such as (a|b)+ is not allowed (it can hang the server); use a character class [ab]+';
      }
      if (compiled.test('')) return 'the pattern matches an empty text, so it would flag every caption';
      return null;
    }
  }
}

/** Everything wrong with a draft on one platform: its limits first, then the rules given (already filtered by `rulesFor`). */
export function checkCaption(draft: Draft, caps: CaptionLimits, rules: readonly ModerationRule[] = []): CaptionViolation[] {
  const usage = captionUsage(draft, caps);
  const out: CaptionViolation[] = [];
  if (usage.characters > usage.maxCharacters) {
    out.push({
      code: 'too_long', overridable: false, params: { characters: usage.characters, max: usage.maxCharacters },
      message: `caption and hashtags take ${usage.characters} characters; at most ${usage.maxCharacters} fit with the link and marker`,
    });
  }
  if (usage.hashtags > usage.maxHashtags) {
    out.push({
      code: 'too_many_hashtags', overridable: false, params: { hashtags: usage.hashtags, max: usage.maxHashtags },
      message: `${usage.hashtags} hashtags; the platform allows ${usage.maxHashtags}`,
    });
  }
  if (!usage.linksAllowed && usage.links > 0) {
    out.push({ code: 'link_not_allowed', overridable: false, params: { links: usage.links }, message: 'the platform takes no links in a caption' });
  }
  const { inline, tags } = hashtagsOf(draft);
  const allTags = [...inline, ...tags].map((t) => t.normalize('NFC').toLowerCase());
  // NFC: a decomposed "é" (e + combining accent, as some keyboards and pastes send it) reads as the composed one.
  const fullText = [draft.caption, ...tags.map((t) => `#${t}`)].join('\n').normalize('NFC');
  for (const rule of rules) {
    const value = rule.value.trim().normalize('NFC');
    const base = { overridable: true, ruleId: rule.id };
    if (rule.kind === 'banned_word') {
      if (wordMatcher(value).test(fullText)) out.push({ ...base, code: 'banned_word', params: { word: value }, message: `"${value}" is banned` });
    } else if (rule.kind === 'pattern') {
      // A rule saved before a check tightened (or written around the API) never runs when it could hang or fail.
      const found = ruleProblem(rule) === null ? new RegExp(value, 'iu').exec(fullText) : null;
      if (found) out.push({ ...base, code: 'pattern', params: { pattern: value, match: found[0].slice(0, 60) }, message: `"${found[0].slice(0, 60)}" matches a forbidden pattern` });
    } else if (rule.kind === 'required_tag') {
      const present = value.startsWith('#')
        ? allTags.includes(value.slice(1).toLowerCase())
        : fullText.toLowerCase().includes(value.toLowerCase());
      if (!present) out.push({ ...base, code: 'missing_tag', params: { tag: value }, message: `"${value}" is required` });
    } else if (rule.kind === 'max_mentions') {
      const max = Number(value);
      if (Number.isFinite(max) && usage.mentions > max) {
        out.push({ ...base, code: 'too_many_mentions', params: { mentions: usage.mentions, max }, message: `${usage.mentions} @mentions; at most ${max}` });
      }
    }
  }
  return out;
}

/** The violations an approval leaves standing: every limit, and the rules of platforms not overridden. */
export function blockingViolations(violations: readonly CaptionViolation[], overridden: boolean): CaptionViolation[] {
  return violations.filter((v) => !v.overridable || !overridden);
}

/**
 * Every platform's violations for a content's drafts (platforms whose limits are unknown — disabled since the
 * draft was made — are left out: nothing will be posted there).
 */
export function draftViolations(
  drafts: Readonly<Record<string, Draft>>,
  limitsByPlatform: Readonly<Record<string, CaptionLimits>>,
  rules: readonly ModerationRule[],
  modelId: string,
): Record<string, CaptionViolation[]> {
  const out: Record<string, CaptionViolation[]> = {};
  for (const [platform, draft] of Object.entries(drafts)) {
    const limits = limitsByPlatform[platform];
    if (limits) out[platform] = checkCaption(draft, limits, rulesFor(rules, platform, modelId));
  }
  return out;
}
