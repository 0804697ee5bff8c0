import { describe, expect, it } from 'vitest';
import { parseCount } from './numbers.js';

describe('parseCount', () => {
  it.each([
    ['0', 0],
    ['999', 999],
    ['1,234', 1234],
    ['1.234', 1234],
    ['1 234', 1234],
    ['1\u00a0234\u00a0567', 1234567],
    ['1.2K', 1200],
    ['1.2k views', 1200],
    ['1,2 mil', 1200],
    ['12 mil', 12000],
    ['3M', 3_000_000],
    ['3,4 M', 3_400_000],
    ['2.5 millones', 2_500_000],
    ['1B', 1_000_000_000],
  ])('reads %j as %d', (text, expected) => {
    expect(parseCount(text)).toBe(expected);
  });

  it.each([null, undefined, '', '—', 'views', 'abc 12'])('gives null for %j (callers keep the last good value)', (text) => {
    expect(parseCount(text)).toBeNull();
  });
});
