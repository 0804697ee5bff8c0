/**
 * Parses the abbreviated counters platforms display: "1.2K", "1,2 mil", "3M", "1 234", "1,234".
 * Returns null when the text holds no recognisable number (callers keep the last good value).
 */
export function parseCount(text: string | null | undefined): number | null {
  if (text == null) return null;
  const s = text.trim().toLowerCase().replace(/\u00a0|\u202f/g, ' ');
  const match = /^([\d][\d.,\s]*)\s*(k|m|b|mil|mill(?:ones|ón|on)?|mm)?\b/.exec(s);
  if (!match) return null;
  let digits = match[1]!.trim();
  const suffix = match[2];
  const multiplier = !suffix ? 1 : suffix === 'k' || suffix === 'mil' ? 1e3 : suffix === 'b' ? 1e9 : 1e6;
  if (multiplier === 1) {
    // Without a suffix, separators are thousands separators: "1,234", "1.234", "1 234".
    const plain = digits.replace(/[.,\s]/g, '');
    return /^\d+$/.test(plain) ? Number(plain) : null;
  }
  digits = digits.replace(/\s/g, '').replace(',', '.');
  const value = Number(digits);
  return Number.isFinite(value) ? Math.round(value * multiplier) : null;
}
