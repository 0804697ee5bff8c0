import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from './platforms.js';
import { presetCodes, presetRules, regionalPresets } from './presets.js';
import { effectiveRules, validateDistribution } from './rules.js';
import { nextFreeSlot, localDay } from './scheduling.js';

const studio = [
  { name: 'TikTok MX', driver: 'tiktok' },
  { name: 'Reels', driver: 'instagram' },
  { name: 'demo', driver: 'demo' },
];
const limits = studio.map((p) => ({ name: p.name, capabilities: capabilitiesFor(p.driver) }));

describe('regional presets', () => {
  it.each(presetCodes)('%s gives valid rules on a studio with any platform names', (code) => {
    const rules = effectiveRules(presetRules(code, studio));
    expect(validateDistribution(rules, limits)).toEqual([]);
    expect(validateDistribution(effectiveRules(presetRules(code)), [])).toEqual([]);
  });

  it('files per-platform pools under the names of the studio platforms with that driver', () => {
    const rules = presetRules('MX', studio);
    expect(rules.hashtagPools).toEqual({ 'TikTok MX': regionalPresets.MX.hashtagPoolsByDriver.tiktok, Reels: regionalPresets.MX.hashtagPoolsByDriver.instagram });
    expect(presetRules('MX', []).hashtagPools).toBeUndefined();
    // A copy: editing the result never changes the preset.
    rules.slots!.push('01:00');
    expect(regionalPresets.MX.slots).not.toContain('01:00');
  });

  it('speaks Spanish for MX and CO, English elsewhere', () => {
    expect(presetCodes.filter((c) => regionalPresets[c].language === 'es')).toEqual(['MX', 'CO']);
  });

  it.each(presetCodes)('%s slots fall in the local evening (18:00-00:59) and the scheduler finds them', (code) => {
    const preset = regionalPresets[code];
    for (const slot of preset.slots) {
      const hour = Number(slot.slice(0, 2));
      expect(hour >= 18 || hour === 0).toBe(true);
    }
    const now = new Date('2026-03-10T12:00:00Z');
    const found = nextFreeSlot({ rules: effectiveRules(presetRules(code)), lead: { minLeadMinutes: 0, maxLeadDays: 30 }, now, taken: [] });
    expect(found).not.toBeNull();
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: preset.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(found!);
    expect(preset.slots).toContain(local);
    expect(localDay(found!, preset.timezone) >= '2026-03-10').toBe(true);
  });
});
