/**
 * X's weighted text length (https://docs.x.com/fundamentals/counting-characters, twitter-text's v3 configuration):
 * the rule X applies to the 280-character limit. Pure, so the driver checks a caption before spending an upload,
 * and the fake X applies the same published rule.
 */
/** What X counts as a URL (23 characters each, whatever its length). */
export const xUrlPattern = /\b(?:https?:\/\/|www\.)[^\s<>"]+/giu;
/** Code points that weigh 1 (twitter-text's v3 configuration); every other one weighs 2. */
const lightRanges: [number, number][] = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** X's weighted length: NFC text, each URL 23, each emoji 2, Latin 1, CJK and most other scripts 2. */
export function xWeightedLength(text: string): number {
  const nfc = text.normalize('NFC');
  let total = 0;
  let last = 0;
  for (const match of nfc.matchAll(xUrlPattern)) {
    total += spanWeight(nfc.slice(last, match.index)) + 23;
    last = match.index + match[0].length;
  }
  return total + spanWeight(nfc.slice(last));
}

function spanWeight(text: string): number {
  let total = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (/\p{Extended_Pictographic}/u.test(segment)) {
      total += 2;
      continue;
    }
    for (const char of segment) {
      const cp = char.codePointAt(0)!;
      total += lightRanges.some(([from, to]) => cp >= from && cp <= to) ? 1 : 2;
    }
  }
  return total;
}
