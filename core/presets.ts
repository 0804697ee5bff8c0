/**
 * Regional presets: distribution rules a studio starts a new model from (dashboard "new model", `POST /api/models`
 * `preset`). Pure data plus one function; the admin edits everything afterwards.
 *
 * The figures are starting points, not measurements: posting slots sit in each region's local evening and late
 * night, when live-stream audiences peak (viewers get home, then a second wave before midnight); three posts a day
 * with 90 minutes between them is a cadence short-video platforms tolerate for a new account. Adjust them per
 * model from what her own metrics show (PRD §3 step 5).
 *
 * Language: captions and the bot only speak `es` or `en` (DistributionRules.language), so Spanish-speaking regions
 * (MX, CO) get `es` and every other region `en`, including BR (Portuguese) and JP/DE (their own languages); the
 * regional hashtags still carry the local words. Portuguese, Japanese and German captions would need those
 * languages in the caption templates, the LLM prompt and the bot's catalogue first.
 */
import type { DistributionRules, Language } from './types.js';

export const presetCodes = ['US', 'JP', 'BR', 'DE', 'UK', 'MX', 'CO'] as const;
export type PresetCode = (typeof presetCodes)[number];

export interface RegionalPreset {
  code: PresetCode;
  /** IANA zone the slots are read in. */
  timezone: string;
  /** Local prime-time posting slots, "HH:MM". */
  slots: string[];
  maxPostsPerDay: number;
  minSpacingMinutes: number;
  language: Language;
  /** General regional pool, without '#'. */
  hashtags: string[];
  /**
   * Extra tags per platform *driver* (`tiktok`, `instagram`, `youtube`): a studio names its platforms as it
   * likes, so `presetRules` files them under the names of the studio's platforms that use that driver.
   */
  hashtagPoolsByDriver: Partial<Record<string, string[]>>;
}

const evening = ['19:00', '21:00', '23:00'];

export const regionalPresets: Record<PresetCode, RegionalPreset> = {
  US: {
    code: 'US', timezone: 'America/New_York', slots: ['20:00', '22:00', '23:30'], maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'en',
    hashtags: ['livestream', 'camgirl', 'goinglive', 'latenight', 'usa'],
    hashtagPoolsByDriver: { tiktok: ['fyp', 'foryou', 'tiktokusa'], instagram: ['reels', 'instagood', 'explorepage'], youtube: ['shorts', 'live'] },
  },
  JP: {
    code: 'JP', timezone: 'Asia/Tokyo', slots: ['20:30', '22:00', '23:30'], maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'en',
    hashtags: ['配信中', 'ライブ配信', 'japan', 'livestream', 'tokyo'],
    hashtagPoolsByDriver: { tiktok: ['おすすめ', 'fyp'], instagram: ['リール', 'reels'], youtube: ['shorts', '生配信'] },
  },
  BR: {
    code: 'BR', timezone: 'America/Sao_Paulo', slots: evening, maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'en',
    hashtags: ['aovivo', 'brasil', 'live', 'gata', 'noite'],
    hashtagPoolsByDriver: { tiktok: ['fyp', 'foryou', 'viral'], instagram: ['reels', 'explorar'], youtube: ['shorts', 'aovivo'] },
  },
  DE: {
    code: 'DE', timezone: 'Europe/Berlin', slots: ['19:30', '21:00', '22:30'], maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'en',
    hashtags: ['livestream', 'deutschland', 'live', 'abends', 'stream'],
    hashtagPoolsByDriver: { tiktok: ['fyp', 'fürdich', 'foryou'], instagram: ['reels', 'instagood'], youtube: ['shorts', 'live'] },
  },
  UK: {
    code: 'UK', timezone: 'Europe/London', slots: ['19:00', '21:00', '22:30'], maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'en',
    hashtags: ['livestream', 'uk', 'goinglive', 'london', 'latenight'],
    hashtagPoolsByDriver: { tiktok: ['fyp', 'foryou', 'tiktokuk'], instagram: ['reels', 'instagood'], youtube: ['shorts', 'live'] },
  },
  MX: {
    code: 'MX', timezone: 'America/Mexico_City', slots: evening, maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'es',
    hashtags: ['envivo', 'mexico', 'latina', 'transmision', 'noche'],
    hashtagPoolsByDriver: { tiktok: ['parati', 'fyp', 'viral'], instagram: ['reels', 'explorar'], youtube: ['shorts', 'envivo'] },
  },
  CO: {
    code: 'CO', timezone: 'America/Bogota', slots: ['19:30', '21:30', '23:30'], maxPostsPerDay: 3, minSpacingMinutes: 90, language: 'es',
    hashtags: ['envivo', 'colombia', 'latina', 'paisa', 'noche'],
    hashtagPoolsByDriver: { tiktok: ['parati', 'fyp', 'viral'], instagram: ['reels', 'explorar'], youtube: ['shorts', 'envivo'] },
  },
};

export function isPresetCode(value: unknown): value is PresetCode {
  return typeof value === 'string' && (presetCodes as readonly string[]).includes(value);
}

/**
 * The rule fields a preset fills, for a studio whose platforms are `platforms` (name + driver): zone, slots, cap,
 * spacing, language, general pool, and per-platform pools for the platforms whose driver the preset knows. Fields
 * a preset does not speak to (allowed platforms, approval, templates, voice, link placement) are left out, so the
 * defaults — or the admin's own values — apply.
 */
export function presetRules(code: PresetCode, platforms: readonly { name: string; driver: string }[] = []): Partial<DistributionRules> {
  const preset = regionalPresets[code];
  const hashtagPools: Record<string, string[]> = {};
  for (const { name, driver } of platforms) {
    const pool = preset.hashtagPoolsByDriver[driver];
    if (pool) hashtagPools[name] = [...pool];
  }
  return {
    timezone: preset.timezone,
    slots: [...preset.slots],
    maxPostsPerDay: preset.maxPostsPerDay,
    minSpacingMinutes: preset.minSpacingMinutes,
    language: preset.language,
    hashtags: [...preset.hashtags],
    ...(Object.keys(hashtagPools).length > 0 ? { hashtagPools } : {}),
  };
}
