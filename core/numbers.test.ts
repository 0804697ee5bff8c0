import { describe, expect, it } from 'vitest';
import { mergeMetrics, parseCount } from './numbers.js';

const NBSP = '\u00a0';
const NNBSP = '\u202f';

describe('parseCount', () => {
  it.each([
    // Plain integers.
    ['0', 0],
    ['7', 7],
    ['987', 987],
    ['  987  ', 987],
    ['987 views', 987],
    ['000123', 123],
    // Thousands separators: exactly three digits after each separator, no multiplier.
    ['1,234', 1234],
    ['1.234', 1234],
    ['1 234', 1234],
    [`1${NBSP}234`, 1234],
    [`1${NNBSP}234`, 1234],
    [`1${NBSP}234${NBSP}567`, 1_234_567],
    [`12${NNBSP}345${NNBSP}678 visualizaciones`, 12_345_678],
    ['1,234,567', 1_234_567],
    ['1.234.567', 1_234_567],
    ['1,234 views', 1234],
    ['1.234 Me gusta', 1234],
    ['1,234+', 1234],
    ['1,234.', 1234],
    // English abbreviations.
    ['1.2K', 1200],
    ['2.3k', 2300],
    ['1.2k views', 1200],
    ['3.4K views', 3400],
    ['10K', 10_000],
    ['10K+', 10_000],
    ['999K', 999_000],
    ['0.5K', 500],
    ['3M', 3_000_000],
    ['1.05M', 1_050_000],
    ['2.5 M', 2_500_000],
    ['1.5B', 1_500_000_000],
    ['2bn', 2_000_000_000],
    ['1.2 thousand', 1200],
    ['4 million views', 4_000_000],
    ['1.1 billion', 1_100_000_000],
    // Spanish: comma decimals, "mil", "M", "millón/millones", "mil M" (= 10^9).
    ['1,2 mil', 1200],
    ['1,2 mil visualizaciones', 1200],
    ['12 mil', 12_000],
    ['12 mil mensajes', 12_000],
    ['1,5 M', 1_500_000],
    ['3,4 M de visualizaciones', 3_400_000],
    ['1 millón', 1_000_000],
    ['1 MILLÓN', 1_000_000],
    ['1 millon', 1_000_000],
    ['2 millones', 2_000_000],
    ['2,5 millones de reproducciones', 2_500_000],
    ['1,5 mill.', 1_500_000],
    ['3 mm', 3_000_000],
    ['1,5 mil M', 1_500_000_000],
    ['2 mil millones', 2_000_000_000],
    ['1 billón', 1_000_000_000_000],
    // With a multiplier, a lone separator is the decimal mark even before three digits.
    ['1,234K', 1234],
    ['1.234 mil', 1234],
    // Thousands grouping before a decimal mark, or alone, still works with a multiplier.
    ['1.234,5 mil', 1_234_500],
    ['1,234.5K', 1_234_500],
    ['1 234 K', 1_234_000],
    // Whitespace noise from innerText.
    ['\n  1.2K\n  views ', 1200],
    [`1,2${NBSP}mil`, 1200],
  ])('reads %j as %d', (text, expected) => {
    expect(parseCount(text)).toBe(expected);
  });

  it.each([
    null,
    undefined,
    '',
    '   ',
    '—',
    '-',
    'views',
    'abc 12', // a number after a label is not taken: it may be any other figure on the page
    'Views: 1.2K',
    '12abc',
    '3d',
    '4:32', // a duration
    '12%',
    '-5',
    '.5K',
    '1.5', // a fraction without a multiplier is not a count
    '1,23',
    '1,2345',
    '12,34,567', // Indian grouping: not three-digit groups
    '1.2.3',
    '1.2.3K',
    '12 5',
    '1,234.56',
    '1.2Kviews',
    'K',
    'mil',
    'NaN',
    'Infinity',
    '99999999999999999999',
  ])('gives null for %j (callers keep the last good value)', (text) => {
    expect(parseCount(text)).toBeNull();
  });
});

describe('mergeMetrics', () => {
  it('takes every freshly read counter', () => {
    expect(mergeMetrics({ views: 10, likes: 1 }, { views: 20, likes: 2, comments: 3 })).toEqual({
      metrics: { views: 20, likes: 2, comments: 3 },
      missing: [],
    });
  });

  it('keeps the last good value of a counter that failed to parse and reports it', () => {
    expect(mergeMetrics({ views: 1200, likes: 40, comments: 5 }, { views: null, likes: 41, comments: null })).toEqual({
      metrics: { views: 1200, likes: 41, comments: 5 },
      missing: ['views', 'comments'],
    });
  });

  it('never writes a zero over a positive value (a placeholder during a layout change)', () => {
    expect(mergeMetrics({ views: 5000, likes: 0 }, { views: 0, likes: 0 })).toEqual({
      metrics: { views: 5000, likes: 0 },
      missing: ['views'],
    });
  });

  it('accepts a real zero on a fresh post and legitimate drops', () => {
    expect(mergeMetrics(null, { views: 0, likes: 0 })).toEqual({ metrics: { views: 0, likes: 0 }, missing: [] });
    expect(mergeMetrics({ likes: 10 }, { likes: 9 })).toEqual({ metrics: { likes: 9 }, missing: [] });
  });

  it('reports a missing counter without inventing a value when there is no previous one', () => {
    const result = mergeMetrics(null, { views: null, likes: 3 });
    expect(result).toEqual({ metrics: { likes: 3 }, missing: ['views'] });
    expect(result.metrics).not.toHaveProperty('views');
  });

  it('treats non-integers, negatives, NaN and explicit undefined as unreadable', () => {
    const read = { views: Number.NaN, likes: -1, comments: 1.5, shares: undefined };
    expect(mergeMetrics({ views: 1, likes: 2, comments: 3, shares: 4 }, read)).toEqual({
      metrics: { views: 1, likes: 2, comments: 3, shares: 4 },
      missing: ['views', 'likes', 'comments', 'shares'],
    });
  });

  it('leaves counters the driver did not attempt untouched and unreported', () => {
    expect(mergeMetrics({ views: 100, shares: 7 }, { views: 150 })).toEqual({
      metrics: { views: 150, shares: 7 },
      missing: [],
    });
  });

  it('gives nothing for nothing', () => {
    expect(mergeMetrics(null, {})).toEqual({ metrics: {}, missing: [] });
  });

  it('composes with parseCount: garbage text never becomes a zero', () => {
    const read = { views: parseCount('—'), likes: parseCount('1,2 mil'), comments: parseCount('') };
    expect(mergeMetrics({ views: 3400, likes: 1100, comments: 12 }, read)).toEqual({
      metrics: { views: 3400, likes: 1200, comments: 12 },
      missing: ['views', 'comments'],
    });
  });
});
