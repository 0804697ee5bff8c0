import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeSession, fromUnits, linkKey, reachingClicks, shareByWeights, sumDecimals, toUnits,
  type AttributionClick, type AttributionInput, type AttributionLine,
} from './attribution.js';

const MINUTE = 60_000;
const DAY0 = Date.UTC(2026, 2, 10);
/** "HH:MM" on the test day, as epoch ms. */
const at = (hhmm: string) => DAY0 + Number(hhmm.slice(0, 2)) * 60 * MINUTE + Number(hhmm.slice(3, 5)) * MINUTE;

// Link keys sort a1/… < a1/pA < a2/pB (the empty publication sorts first).
const L1 = { accountId: 'a1', publicationId: 'pA' };
const L2 = { accountId: 'a1', publicationId: null };
const L3 = { accountId: 'a2', publicationId: 'pB' };
const click = (hhmm: string, link: { accountId: string; publicationId: string | null }, isBot = false): AttributionClick => ({ ts: at(hhmm), ...link, isBot });
const line = (hhmm: string, tokens: number | null, amountUsd: string): AttributionLine => ({ ts: at(hhmm), tokens, amountUsd });
const shareOf = (shares: { accountId: string; publicationId: string | null; clicks: number; tokens: string; amountUsd: string }[], link: object) =>
  shares.find((s) => linkKey(s) === linkKey(link as never));

describe('exact decimals', () => {
  it('reads and writes ten-thousandths', () => {
    expect(toUnits('12.5')).toBe(125_000n);
    expect(toUnits('0.0500')).toBe(500n);
    expect(toUnits('-3.1234')).toBe(-31_234n);
    expect(toUnits('7')).toBe(70_000n);
    expect(fromUnits(125_000n)).toBe('12.5000');
    expect(fromUnits(-5n)).toBe('-0.0005');
    expect(fromUnits(0n)).toBe('0.0000');
    expect(() => toUnits('1.23456')).toThrow(/at most 4/);
    expect(() => toUnits('1e3')).toThrow();
    expect(sumDecimals(['0.1000', '0.2000', '0.3000'])).toBe('0.6000');
  });

  it('round-trips any amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), (units) => {
      expect(toUnits(fromUnits(units))).toBe(units);
    }));
  });

  it('shares by weights: hand-computed remainders go to the largest remainder, ties to the first', () => {
    expect(shareByWeights(7n, [1, 2, 4])).toEqual([1n, 2n, 4n]);
    expect(shareByWeights(10n, [1, 1, 1])).toEqual([4n, 3n, 3n]);
    // 2/3 and 1/3 of one unit: remainders 2 and 1 → the first.
    expect(shareByWeights(1n, [2, 1])).toEqual([1n, 0n]);
    // 1/3 and 2/3: the second has the larger remainder.
    expect(shareByWeights(1n, [1, 2])).toEqual([0n, 1n]);
    expect(shareByWeights(-10n, [1, 1, 1])).toEqual([-4n, -3n, -3n]);
    expect(shareByWeights(0n, [3, 5])).toEqual([0n, 0n]);
    expect(() => shareByWeights(5n, [0, 0])).toThrow();
  });

  it('shares by weights always sum to the total, each within one unit of its exact share', () => {
    fc.assert(fc.property(
      fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 }).filter((w) => w.some((x) => x > 0)),
      (total, weights) => {
        const shares = shareByWeights(total, weights);
        expect(shares.reduce((a, s) => a + s, 0n)).toBe(total);
        const sum = BigInt(weights.reduce((a, w) => a + w, 0));
        shares.forEach((s, i) => {
          // |s·sum − total·w| < sum ⇔ |s − total·w/sum| < 1
          const diff = s * sum - total * BigInt(weights[i]!);
          expect(diff < sum && diff > -sum).toBe(true);
        });
      },
    ));
  });
});

describe('reach', () => {
  const base = { session: { startedAt: at('20:00'), endedAt: at('22:00') }, windowMinutes: 30 };

  it('counts people in the session or within the window before it, nothing else', () => {
    const clicks = [
      click('19:29', L1), // 31 minutes before: out
      click('19:30', L1), // exactly the window: in
      click('19:45', L2, true), // a bot
      click('21:59', L3),
      click('22:00', L3), // the end is in
      click('22:01', L2), // after
    ];
    expect(reachingClicks({ ...base, clicks }).map((c) => c.ts)).toEqual([at('19:30'), at('21:59'), at('22:00')]);
  });

  it('leaves a pre-start click that landed in another open session of hers to that session', () => {
    const clicks = [click('19:40', L1), click('19:50', L1)];
    const otherSessions = [{ startedAt: at('18:00'), endedAt: at('19:45') }];
    expect(reachingClicks({ ...base, clicks, otherSessions }).map((c) => c.ts)).toEqual([at('19:50')]);
  });

  it('ends an open session now', () => {
    const clicks = [click('20:59', L1), click('21:01', L1)];
    const reached = reachingClicks({ session: { startedAt: at('20:00'), endedAt: null }, windowMinutes: 0, clicks, now: at('21:00') });
    expect(reached.map((c) => c.ts)).toEqual([at('20:59')]);
  });
});

describe('attributeSession: hand-computed', () => {
  // Session 20:00–22:00, window 30 min.
  // Reaching: 19:40 L1, 20:10 L3, 20:50 L1, 21:30 L3 (19:20 is out of the window, 19:45 is a bot, 22:05 is after).
  const input: AttributionInput = {
    session: { startedAt: at('20:00'), endedAt: at('22:00') },
    windowMinutes: 30,
    clicks: [click('21:30', L3), click('19:20', L1), click('19:40', L1), click('19:45', L2, true), click('20:10', L3), click('20:50', L1), click('22:05', L2)],
    lines: [
      line('20:00', 10, '0.5000'), // ← 19:40 L1
      line('20:10', 25, '1.2500'), // ← 20:10 L3 (a click at the line's own time counts)
      line('20:30', 7, '0.3500'), // ← 20:10 L3
      line('21:00', 100, '5.0000'), // ← 20:50 L1
      line('21:45', 3, '0.1500'), // ← 21:30 L3
    ],
  };
  const result = attributeSession(input);

  it('totals the session', () => {
    expect(result.total).toEqual({ tokens: '145.0000', amountUsd: '7.2500' });
    expect(result.clicks).toBe(4);
  });

  it('last_click: each line whole to the latest click before it', () => {
    expect(result.last_click.shares).toEqual([
      { ...L1, clicks: 2, tokens: '110.0000', amountUsd: '5.5000' },
      { ...L3, clicks: 2, tokens: '35.0000', amountUsd: '1.7500' },
    ]);
    expect(result.last_click.unattributed).toEqual({ tokens: '0.0000', amountUsd: '0.0000' });
  });

  it('linear: the total by clicks (2 and 2: half each)', () => {
    expect(result.linear.shares).toEqual([
      { ...L1, clicks: 2, tokens: '72.5000', amountUsd: '3.6250' },
      { ...L3, clicks: 2, tokens: '72.5000', amountUsd: '3.6250' },
    ]);
    expect(result.linear.unattributed).toEqual({ tokens: '0.0000', amountUsd: '0.0000' });
  });

  it('a line before the first reaching click is unattributed by last_click, shared by linear', () => {
    const r = attributeSession({
      session: { startedAt: at('20:00'), endedAt: at('21:00') }, windowMinutes: 0,
      clicks: [click('20:30', L1)],
      lines: [line('20:10', 5, '0.2500'), line('20:40', 10, '0.5000')],
    });
    expect(r.last_click.shares).toEqual([{ ...L1, clicks: 1, tokens: '10.0000', amountUsd: '0.5000' }]);
    expect(r.last_click.unattributed).toEqual({ tokens: '5.0000', amountUsd: '0.2500' });
    expect(r.linear.shares).toEqual([{ ...L1, clicks: 1, tokens: '15.0000', amountUsd: '0.7500' }]);
    expect(r.linear.unattributed).toEqual({ tokens: '0.0000', amountUsd: '0.0000' });
  });

  it('linear thirds: the leftover ten-thousandth goes to the first link key', () => {
    const r = attributeSession({
      session: { startedAt: at('20:00'), endedAt: at('21:00') }, windowMinutes: 0,
      clicks: [click('20:05', L3), click('20:06', L2), click('20:07', L1)],
      lines: [line('20:30', 10, '1.0000')],
    });
    // Keys: a1/ (L2) < a1/pA (L1) < a2/pB (L3).
    expect(r.linear.shares.map((s) => [linkKey(s), s.tokens, s.amountUsd])).toEqual([
      ['a1/', '3.3334', '0.3334'], ['a1/pA', '3.3333', '0.3333'], ['a2/pB', '3.3333', '0.3333'],
    ]);
    // last_click: the 20:30 line to the 20:07 click (L1); the other links get rows of 0.
    expect(shareOf(r.last_click.shares, L1)).toMatchObject({ tokens: '10.0000', amountUsd: '1.0000' });
    expect(shareOf(r.last_click.shares, L2)).toMatchObject({ clicks: 1, tokens: '0.0000', amountUsd: '0.0000' });
  });

  it('linear 1 : 2 : 4 of 0.0010 USD and 10 tokens: exact where it can, largest remainders where it cannot', () => {
    const r = attributeSession({
      session: { startedAt: at('20:00'), endedAt: at('21:00') }, windowMinutes: 0,
      clicks: [click('20:01', L2), click('20:02', L1), click('20:03', L1), ...['20:04', '20:05', '20:06', '20:07'].map((t) => click(t, L3))],
      lines: [line('20:30', 10, '0.0010')],
    });
    // 10 units × 1/7, 2/7, 4/7 = 1.43, 2.86, 5.71 → 1, 2, 5 (+2 left: remainders 3, 6, 5 → the second, the third) → 1, 3, 6.
    expect(r.linear.shares.map((s) => s.amountUsd)).toEqual(['0.0001', '0.0003', '0.0006']);
    // 100000 units × 1/7 … = 14285.71, 28571.43, 57142.86 → 14285, 28571, 57142 (+2: remainders 5, 3, 6 → third, first).
    expect(r.linear.shares.map((s) => s.tokens)).toEqual(['1.4286', '2.8571', '5.7143']);
  });

  it('no reaching click: the whole session is unattributed, by both methods', () => {
    const r = attributeSession({
      session: { startedAt: at('20:00'), endedAt: at('21:00') }, windowMinutes: 10,
      clicks: [click('19:00', L1), click('20:30', L1, true)],
      lines: [line('20:30', null, '12.3400')],
    });
    expect(r.last_click).toEqual({ shares: [], unattributed: { tokens: '0.0000', amountUsd: '12.3400' } });
    expect(r.linear).toEqual({ shares: [], unattributed: { tokens: '0.0000', amountUsd: '12.3400' } });
  });
});

describe('attributeSession: properties', () => {
  const START = at('20:00');
  const END = at('23:00');
  const links = [L1, L2, L3, { accountId: 'a3', publicationId: null }];
  const arbClick = fc.record({
    ts: fc.integer({ min: START - 120 * MINUTE, max: END + 60 * MINUTE }),
    link: fc.constantFrom(...links),
    isBot: fc.boolean(),
  }).map(({ ts, link, isBot }): AttributionClick => ({ ts, ...link, isBot }));
  const arbLine = fc.record({
    ts: fc.integer({ min: START, max: END }),
    tokens: fc.option(fc.integer({ min: 0, max: 100_000 })),
    units: fc.bigInt({ min: 0n, max: 10n ** 9n }),
  }).map(({ ts, tokens, units }): AttributionLine => ({ ts, tokens, amountUsd: fromUnits(units) }));
  const arbInput = fc.record({
    clicks: fc.array(arbClick, { maxLength: 40 }),
    lines: fc.array(arbLine, { maxLength: 40 }),
    windowMinutes: fc.integer({ min: 0, max: 90 }),
  }).map((x): AttributionInput => ({ ...x, session: { startedAt: START, endedAt: END } }));

  const units = (s: string) => toUnits(s);
  const sumOf = (values: string[]) => values.reduce((a, v) => a + units(v), 0n);

  it('shares plus unattributed equal the total exactly, by both methods; no share is negative', () => {
    fc.assert(fc.property(arbInput, (input) => {
      const r = attributeSession(input);
      expect(fromUnits(sumOf(input.lines.map((l) => l.amountUsd)))).toBe(r.total.amountUsd);
      for (const method of [r.last_click, r.linear]) {
        expect(sumOf(method.shares.map((s) => s.amountUsd)) + units(method.unattributed.amountUsd)).toBe(units(r.total.amountUsd));
        expect(sumOf(method.shares.map((s) => s.tokens)) + units(method.unattributed.tokens)).toBe(units(r.total.tokens));
        for (const s of method.shares) expect(units(s.amountUsd) >= 0n && units(s.tokens) >= 0n).toBe(true);
        expect(units(method.unattributed.amountUsd) >= 0n).toBe(true);
      }
      // Linear leaves nothing out once a click reached the session.
      if (r.clicks > 0) expect(r.linear.unattributed).toEqual({ tokens: '0.0000', amountUsd: '0.0000' });
      // Both methods name the same links with the same clicks.
      expect(r.linear.shares.map((s) => [linkKey(s), s.clicks])).toEqual(r.last_click.shares.map((s) => [linkKey(s), s.clicks]));
      expect(r.linear.shares.reduce((a, s) => a + s.clicks, 0)).toBe(r.clicks);
    }));
  });

  it('linear shares are within one ten-thousandth of the exact proportion', () => {
    fc.assert(fc.property(arbInput, (input) => {
      const r = attributeSession(input);
      const total = units(r.total.amountUsd);
      const clicks = BigInt(r.clicks);
      for (const s of r.linear.shares) {
        const diff = units(s.amountUsd) * clicks - total * BigInt(s.clicks);
        expect(diff < clicks && diff > -clicks).toBe(true);
      }
    }));
  });

  it('does not depend on the order clicks and lines come in', () => {
    fc.assert(fc.property(arbInput, fc.func(fc.integer()), (input, key) => {
      const shuffled = {
        ...input,
        clicks: [...input.clicks].sort((a, b) => key(a) - key(b)),
        lines: [...input.lines].reverse(),
      };
      expect(attributeSession(shuffled)).toEqual(attributeSession(input));
    }));
  });

  it('last_click: a line goes to the link of the latest reaching click at or before it (checked line by line)', () => {
    fc.assert(fc.property(arbInput, (input) => {
      const r = attributeSession(input);
      const reached = reachingClicks(input);
      const expected = new Map<string, bigint>();
      let unattributed = 0n;
      for (const l of input.lines) {
        const before = reached.filter((c) => (c.ts as number) <= (l.ts as number));
        const last = before[before.length - 1];
        if (!last) unattributed += units(l.amountUsd);
        else expected.set(linkKey(last), (expected.get(linkKey(last)) ?? 0n) + units(l.amountUsd));
      }
      for (const s of r.last_click.shares) expect(units(s.amountUsd)).toBe(expected.get(linkKey(s)) ?? 0n);
      expect(units(r.last_click.unattributed.amountUsd)).toBe(unattributed);
    }));
  });
});
