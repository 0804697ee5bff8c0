import { describe, expect, it } from 'vitest';
import { defaultMetricsPollOffsetsMs, parseDurationList } from './lifecycle.js';

describe('parseDurationList', () => {
  it('reads units and keeps order', () => {
    expect(parseDurationList('0s, 500ms ,15m,1h,1.5d,2w')).toEqual([0, 500, 900_000, 3_600_000, 129_600_000, 1_209_600_000]);
  });

  it('names the bad part', () => {
    expect(() => parseDurationList('')).toThrow(/comma-separated/);
    expect(() => parseDurationList('15m,una hora')).toThrow(/"una hora" is not a duration/);
    expect(() => parseDurationList('1h,15m')).toThrow(/must increase: "15m" comes after "1h"/);
  });

  it('defaults decay from 15 minutes to day 30', () => {
    expect(defaultMetricsPollOffsetsMs[0]).toBe(15 * 60_000);
    expect(defaultMetricsPollOffsetsMs.at(-1)).toBe(30 * 86_400_000);
  });
});
