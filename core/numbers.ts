import type { PostMetrics } from './types.js';

/**
 * Counter parsing for what platforms display: "1.2K", "1,2 mil", "3M", "1 234", "1,234", "1.234",
 * "2 millones", "1,5 mil M", "10K+", "3.4K views".
 *
 * Rules (a wrong number is worse than none: null makes callers keep the last good value):
 * - The number must open the text; words after it are ignored ("1,2 mil visualizaciones"),
 *   words before it are not ("abc 12" → null) so a label's digits are never taken for a count.
 *   It must end at a word boundary: "12abc", "4:32" (a duration) and "12%" are not counts.
 * - Without a multiplier, separators ("." "," space, U+00A0, U+202F, U+2009) group thousands and
 *   every group after the first has exactly three digits: "1,234" = "1.234" = "1 234" = 1234.
 *   A fractional count ("1.5", "1,23") is not a count → null.
 * - With a multiplier (K, M, B, mil, millón/millones, mil M/mil millones…) a single "." or ","
 *   is the decimal mark, whatever follows it: "1,234K" = 1234, "1,5 M" = 1 500 000. Grouped
 *   thousands may precede it ("1.234,5 mil", "1 234 K").
 * - The result is a non-negative safe integer, rounded to the unit.
 */

/** Multipliers by suffix, longest spellings first so "mil millones" wins over "mil". */
const SUFFIX_PATTERN =
  /^\s*(mil\s*(?:millones|mill[oó]n|mill\.?|mm|m)|thousands?|millones|mill[oó]n|millions?|mill\.?|mln|mn|mm|mil|billones|bill[oó]n|billions?|bn|k|m|b)(?!\p{L})/u;

function multiplierFor(suffix: string): number {
  if (/^mil\s*m/.test(suffix)) return 1e9; // Spanish "mil millones" / YouTube "1,5 mil M".
  if (suffix === 'k' || suffix === 'mil' || suffix.startsWith('thousand')) return 1e3;
  // Spanish "billón" is the long scale (10^12); English "billion" and "B"/"bn" are 10^9.
  if (/^bill(?:ones|[oó]n)$/.test(suffix)) return 1e12;
  if (suffix === 'b' || suffix === 'bn' || suffix.startsWith('billion')) return 1e9;
  return 1e6;
}

/** Digits joined by single separators; interpretation happens in `toNumber`. */
const NUMBER_PATTERN = /^\d+(?:[., ]\d+)*/;

/** Groups after the first hold exactly three digits, the first one to three. */
function isThousandsGrouping(groups: string[]): boolean {
  return groups.length > 0 && /^\d{1,3}$/.test(groups[0]!) && groups.slice(1).every((g) => /^\d{3}$/.test(g));
}

/** Integer value of `digits` × multiplier / 10^decimals, computed without float drift ("2.3k" = 2300 exactly). */
function scaled(intDigits: string, decimals: string, multiplier: number): number | null {
  const value = Math.round((Number(intDigits + decimals) * multiplier) / 10 ** decimals.length);
  return Number.isSafeInteger(value) ? value : null;
}

function toNumber(raw: string, multiplier: number): number | null {
  const groups = raw.split(/[., ]/);
  const separators = raw.replace(/\d/g, '').split('');
  if (separators.length === 0) return scaled(raw, '', multiplier);
  const last = separators[separators.length - 1]!;
  const sameSeparator = separators.every((s) => s === last);

  if (multiplier > 1 && last !== ' ' && separators.indexOf(last) === separators.length - 1) {
    // The last "." or "," is the decimal mark; anything before it must be plain thousands grouping.
    const intGroups = groups.slice(0, -1);
    const intSeparators = separators.slice(0, -1);
    const groupingOk = intGroups.length === 1 || (intSeparators.every((s) => s === intSeparators[0]) && isThousandsGrouping(intGroups));
    return groupingOk ? scaled(intGroups.join(''), groups[groups.length - 1]!, multiplier) : null;
  }
  return sameSeparator && isThousandsGrouping(groups) ? scaled(groups.join(''), '', multiplier) : null;
}

/**
 * Parses a displayed counter. Returns null when the text holds no recognisable count
 * (missing, empty, garbage, ambiguous): never 0 for something unreadable.
 */
export function parseCount(text: string | null | undefined): number | null {
  if (text == null) return null;
  // NBSP, narrow NBSP, thin and figure spaces all act as thousands separators on real sites.
  const s = text.replace(/[\u00a0\u202f\u2009\u2007\s]+/g, ' ').trim().toLowerCase();
  const number = NUMBER_PATTERN.exec(s);
  if (!number) return null;
  const raw = number[0];
  let rest = s.slice(raw.length);
  const suffix = SUFFIX_PATTERN.exec(rest);
  if (suffix) rest = rest.slice(suffix[0].length);
  // A count ends at a boundary: "987 views", "10K+", "1,234." are counts; "12abc", "4:32", "12%" are not.
  if (!/^[+.,;:!)·•]*(?:\s|$)/.test(rest)) return null;
  return toNumber(raw, suffix ? multiplierFor(suffix[1]!) : 1);
}

export const metricNames = ['views', 'likes', 'comments', 'shares', 'reach', 'saves'] as const satisfies readonly (keyof PostMetrics)[];

/**
 * Combines a fresh metrics read with the last stored values. A counter that could not be read
 * (null, not a non-negative integer) keeps its previous value and is reported in `missing`, so a
 * layout change never overwrites real numbers with zeros. A drop to 0 from a positive value is
 * treated the same way: a placeholder "0" during a redesign is far likelier than every view vanishing.
 * Counters absent from `read` were not attempted (the driver does not read them): they keep their
 * previous value and are not reported.
 */
export function mergeMetrics(
  previous: Partial<PostMetrics> | null,
  read: Partial<Record<keyof PostMetrics, number | null>>,
): { metrics: Partial<PostMetrics>; missing: (keyof PostMetrics)[] } {
  const metrics: Partial<PostMetrics> = {};
  const missing: (keyof PostMetrics)[] = [];
  for (const name of metricNames) {
    const before = previous?.[name];
    if (before !== undefined) metrics[name] = before;
    if (!(name in read)) continue;
    const value = read[name];
    const valid = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    if (!valid || (value === 0 && before !== undefined && before > 0)) {
      missing.push(name);
      continue;
    }
    metrics[name] = value;
  }
  return { metrics, missing };
}
