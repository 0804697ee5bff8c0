import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from './platforms.js';
import { effectiveRules, modelRules, validateDistribution, type DistributionProblem, type PlatformLimits } from './rules.js';
import { validateSchedulingRules } from './scheduling.js';
import { defaultDistributionRules, type DistributionRules } from './types.js';

const platforms: PlatformLimits[] = [
  { name: 'demo', capabilities: capabilitiesFor('demo') },
  { name: 'TikTok', capabilities: capabilitiesFor('tiktok') },
  { name: 'tiny', capabilities: { maxCaptionLength: 120, maxHashtags: 3, linksAllowed: true } },
];

const valid: DistributionRules = {
  ...defaultDistributionRules,
  timezone: 'America/Mexico_City',
  slots: ['19:00', '21:00'],
  allowedPlatforms: ['demo', 'TikTok'],
  hashtags: ['envivo', 'latina'],
  hashtagPools: { TikTok: ['fyp', 'parati'] },
  captionTemplates: { demo: '{context}\n\n✨ {model} en {platform}' },
  voice: 'cálida y divertida',
};

const check = (over: Partial<Record<keyof DistributionRules, unknown>>) => validateDistribution({ ...valid, ...over }, platforms);
const fields = (problems: DistributionProblem[]) => problems.map((p) => p.field);

describe('validateDistribution', () => {
  it('accepts valid rules and the defaults', () => {
    expect(validateDistribution(valid, platforms)).toEqual([]);
    expect(validateDistribution(defaultDistributionRules, platforms)).toEqual([]);
    // The quickstart's demo model (scripts/seed.ts) stays editable.
    expect(validateDistribution({ ...defaultDistributionRules, minSpacingMinutes: 0, maxPostsPerDay: 500, hashtags: ['webcam', 'envivo'] }, platforms)).toEqual([]);
  });

  it('puts each scheduling problem on its field, agreeing with the scheduler', () => {
    const bad = { timezone: 'Mars/Olympus', slots: ['7pm', '19:00', '19:00'], maxPostsPerDay: 0, minSpacingMinutes: -5 };
    expect(validateSchedulingRules({ ...valid, ...bad }).length).toBeGreaterThan(0);
    expect(check(bad)).toEqual([
      { field: 'timezone', code: 'unknown_time_zone', params: { value: 'Mars/Olympus' } },
      { field: 'slots', code: 'malformed_slot', params: { value: '7pm' } },
      { field: 'slots', code: 'duplicate', params: { value: '19:00' } },
      { field: 'maxPostsPerDay', code: 'out_of_range', params: { min: 1, max: 1000 } },
      { field: 'minSpacingMinutes', code: 'out_of_range', params: { min: 0, max: 1440 } },
    ]);
    expect(check({ slots: ['24:00'] })).toEqual([{ field: 'slots', code: 'malformed_slot', params: { value: '24:00' } }]);
    expect(check({ maxPostsPerDay: 2.5 })).toEqual([{ field: 'maxPostsPerDay', code: 'not_whole_number' }]);
    expect(check({ maxPostsPerDay: '3' })).toEqual([{ field: 'maxPostsPerDay', code: 'not_number' }]);
    expect(check({ slots: '19:00' })).toEqual([{ field: 'slots', code: 'not_list' }]);
    expect(check({ timezone: '' })).toEqual([{ field: 'timezone', code: 'unknown_time_zone', params: { value: '' } }]);
  });

  it('whatever it accepts, the scheduler accepts', () => {
    const samples: Partial<DistributionRules>[] = [
      { timezone: 'Asia/Kathmandu' }, { slots: [] }, { slots: ['00:00', '23:59'] }, { maxPostsPerDay: 1000 }, { minSpacingMinutes: 0 },
    ];
    for (const over of samples) {
      expect(check(over)).toEqual([]);
      expect(validateSchedulingRules({ ...valid, ...over })).toEqual([]);
    }
  });

  it('knows the platforms: allowed ones, pool and template keys must exist', () => {
    expect(check({ allowedPlatforms: ['demo', 'OnlyFriends', 'demo'] })).toEqual([
      { field: 'allowedPlatforms', code: 'unknown_platform', params: { value: 'OnlyFriends' } },
      { field: 'allowedPlatforms', code: 'duplicate', params: { value: 'demo' } },
    ]);
    expect(fields(check({ hashtagPools: { Nope: ['a'] }, captionTemplates: { Nope: 'x' } }))).toEqual(['hashtagPools.Nope', 'captionTemplates.Nope']);
  });

  it('checks pools against each platform limits', () => {
    expect(check({ hashtagPools: { tiny: ['a', 'b', 'c', 'd'] } })).toEqual([
      { field: 'hashtagPools.tiny', code: 'too_many_hashtags', params: { count: 4, max: 3, platform: 'tiny' } },
    ]);
    const long = ['x'.repeat(40), 'y'.repeat(40), 'z'.repeat(40)];
    expect(check({ hashtagPools: { tiny: long } })).toEqual([
      { field: 'hashtagPools.tiny', code: 'hashtags_too_long', params: { length: 125, max: 120 - 80, platform: 'tiny' } },
    ]);
    expect(check({ hashtags: ['ok', 'not ok', '#fine', '', 'OK'] })).toEqual([
      { field: 'hashtags', code: 'invalid_hashtag', params: { value: 'not ok' } },
      { field: 'hashtags', code: 'invalid_hashtag', params: { value: '' } },
      { field: 'hashtags', code: 'duplicate', params: { value: 'OK' } },
    ]);
    expect(check({ hashtags: ['配信中', 'fürdich', 'en_vivo'] })).toEqual([]);
  });

  it('checks templates: placeholders, links, length and hashtags on the platform', () => {
    expect(check({ captionTemplates: { demo: 'Hola {name} {model}' } })).toEqual([
      { field: 'captionTemplates.demo', code: 'unknown_placeholder', params: { value: '{name}' } },
    ]);
    expect(check({ captionTemplates: { TikTok: 'mira https://x.example' } })).toEqual([{ field: 'captionTemplates.TikTok', code: 'template_has_link' }]);
    expect(check({ captionTemplates: { tiny: `${'w'.repeat(41)} {context}` } })).toEqual([
      { field: 'captionTemplates.tiny', code: 'template_too_long', params: { length: 41, max: 40, platform: 'tiny' } },
    ]);
    expect(check({ captionTemplates: { tiny: '#a #b #c #d {context}' } })).toEqual([
      { field: 'captionTemplates.tiny', code: 'too_many_hashtags', params: { count: 4, max: 3, platform: 'tiny' } },
    ]);
    // The general template is checked against the tightest platform.
    expect(fields(check({ captionTemplate: `${'w'.repeat(60)} {context}` }))).toEqual(['captionTemplate']);
  });

  it('checks the other fields', () => {
    expect(check({ approvalReminderHours: 0 })).toEqual([{ field: 'approvalReminderHours', code: 'out_of_range', params: { min: 0.25, max: 720 } }]);
    expect(check({ language: 'pt' })).toEqual([{ field: 'language', code: 'unknown_language', params: { value: 'pt' } }]);
    expect(check({ voice: 'v'.repeat(501) })).toEqual([{ field: 'voice', code: 'too_long', params: { length: 501, max: 500 } }]);
    expect(check({ linkPlacement: 'middle' })).toEqual([{ field: 'linkPlacement', code: 'unknown_link_placement', params: { value: 'middle' } }]);
    expect(check({ approvalRequired: 'yes' })).toEqual([{ field: 'approvalRequired', code: 'not_boolean' }]);
    expect(check({ linkPlacement: 'start' })).toEqual([]);
    expect(check({ linkPlacement: 'none' })).toEqual([]);
  });
});

describe('modelRules', () => {
  it('a testing model always waits for approval; active and paused keep their rules', () => {
    const distribution = { ...defaultDistributionRules, approvalRequired: false };
    expect(modelRules({ status: 'testing', distribution }).approvalRequired).toBe(true);
    expect(modelRules({ status: 'active', distribution }).approvalRequired).toBe(false);
    expect(modelRules({ status: 'paused', distribution }).approvalRequired).toBe(false);
    expect(modelRules({ status: 'active', distribution: { approvalRequired: true } }).approvalRequired).toBe(true);
    expect(modelRules({ status: 'testing', distribution })).toEqual({ ...distribution, approvalRequired: true });
  });

  it('fills what a stored distribution predates, link placement included', () => {
    const old: Partial<DistributionRules> = { ...defaultDistributionRules };
    delete old.linkPlacement;
    expect(effectiveRules(old).linkPlacement).toBe('end');
  });
});
