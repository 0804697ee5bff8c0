import { describe, expect, it } from 'vitest';
import { msUntilPacificMidnight, rollingQuota, youtubeQuotaDay, youtubeQuotaToday } from './platform-quotas.js';

const hour = 3_600_000;

describe('YouTube project quota', () => {
  it('counts whole uploads left, none once Google said the day is spent, and resets at midnight Pacific', () => {
    const now = new Date('2026-07-01T06:30:00Z'); // 23:30 PDT on June 30
    expect(youtubeQuotaDay(now)).toBe('2026-06-30');
    expect(youtubeQuotaToday(10_000, { units: 3200, exhausted: false }, now)).toEqual({
      remaining: 4, limit: 6, unit: 'uploads', scope: 'app', resetsAt: '2026-07-01T07:00:00.000Z',
    });
    expect(youtubeQuotaToday(10_000, { units: 9000, exhausted: false }, now).remaining).toBe(0);
    expect(youtubeQuotaToday(10_000, { units: 1600, exhausted: true }, now).remaining).toBe(0);
  });

  it('a day of 23 or 25 hours: midnight Pacific after the clocks change', () => {
    expect(msUntilPacificMidnight(new Date('2026-03-08T08:00:00Z'))).toBe(23 * hour); // midnight PST → next midnight PDT
    expect(msUntilPacificMidnight(new Date('2026-11-01T07:00:00Z'))).toBe(25 * hour); // midnight PDT → next midnight PST
  });
});

describe('rolling 24 h caps', () => {
  it('counts only the last 24 h, and room comes back when the oldest of them turns 24 h', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const times = [new Date(now.getTime() - 25 * hour), new Date(now.getTime() - 20 * hour), new Date(now.getTime() - hour)];
    expect(rollingQuota(50, 'posts', times, now)).toEqual({
      remaining: 48, limit: 50, unit: 'posts', scope: 'account', resetsAt: new Date(now.getTime() + 4 * hour).toISOString(),
    });
    expect(rollingQuota(5, 'drafts', [], now)).toEqual({ remaining: 5, limit: 5, unit: 'drafts', scope: 'account', resetsAt: null });
  });
});
