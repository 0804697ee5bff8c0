import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDay, nextFreeSlot, slotViolation, validateSchedulingRules, zonedTimeToUtc, type SlotRequest } from './scheduling.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'UTC',
  'America/Bogota',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/Madrid',
  'Australia/Lord_Howe', // 30-minute DST
  'Asia/Kathmandu', // +05:45
  'Pacific/Chatham', // +12:45 / +13:45
] as const;

// ---- An independent wall clock for the checks (straight Intl, no code shared with the engine) ----

const formats = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, tz: string) {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(tz, format);
  }
  const all = format.formatToParts(ms);
  const get = (type: string) => Number(all.find((p) => p.type === type)!.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}
function offsetAt(ms: number, tz: string): number {
  const p = parts(ms, tz);
  const floored = Math.floor(ms / SECOND) * SECOND;
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - floored;
}

interface Local {
  day: string;
  hhmm: string;
  /** Seconds and milliseconds past the minute. */
  subMinute: number;
}

/**
 * Local time for many instants of one zone. Every transition of the zones under test happens on a
 * 15-minute boundary of UTC, so one Intl call per quarter hour is exact and keeps brute force cheap.
 */
const clocks = new Map<string, (ms: number) => Local>();
function clock(tz: string): (ms: number) => Local {
  const known = clocks.get(tz);
  if (known) return known;
  const memo = new Map<number, number>();
  const at = (ms: number): Local => {
    const quarter = Math.floor(ms / QUARTER) * QUARTER;
    let offset = memo.get(quarter);
    if (offset === undefined) {
      offset = offsetAt(quarter, tz);
      memo.set(quarter, offset);
    }
    const d = new Date(ms + offset);
    const two = (n: number) => String(n).padStart(2, '0');
    return {
      day: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
      hhmm: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`,
      subMinute: d.getUTCSeconds() * SECOND + d.getUTCMilliseconds(),
    };
  };
  clocks.set(tz, at);
  return at;
}

/** The rules, restated independently: is `c` a valid time for the request? */
function oracleValid(req: SlotRequest, c: number, at: (ms: number) => Local): boolean {
  const now = req.now.getTime();
  if (c <= now || c < now + req.lead.minLeadMinutes * MINUTE || c > now + req.lead.maxLeadDays * DAY) return false;
  const local = at(c);
  if (req.rules.slots.length > 0) {
    if (local.subMinute !== 0 || !req.rules.slots.includes(local.hhmm)) return false;
    // In a fall-back overlap the same wall time comes back 30 or 60 minutes later; only the first counts.
    for (const back of [30 * MINUTE, 60 * MINUTE]) {
      const earlier = at(c - back);
      if (earlier.day === local.day && earlier.hhmm === local.hhmm && earlier.subMinute === 0) return false;
    }
  } else if (c % SECOND !== 0) {
    return false;
  }
  const sameDay = req.taken.filter((t) => at(t.getTime()).day === local.day).length;
  if (sameDay >= req.rules.maxPostsPerDay) return false;
  const spacing = req.rules.minSpacingMinutes * MINUTE;
  return req.taken.every((t) => (spacing > 0 ? Math.abs(c - t.getTime()) >= spacing : c !== t.getTime()));
}

/** Invariants every non-null result must satisfy, listed by name so a failure says which. */
function expectValid(req: SlotRequest, result: Date): void {
  const at = clock(req.rules.timezone);
  const c = result.getTime();
  const now = req.now.getTime();
  const local = at(c);
  const spacing = req.rules.minSpacingMinutes * MINUTE;
  const broken = Object.entries({
    future: c > now,
    minLead: c >= now + req.lead.minLeadMinutes * MINUTE,
    horizon: c <= now + req.lead.maxLeadDays * DAY,
    wholeSecond: c % SECOND === 0,
    slot: req.rules.slots.length === 0 || (req.rules.slots.includes(local.hhmm) && local.subMinute === 0),
    dailyCap: req.taken.filter((t) => at(t.getTime()).day === local.day).length < req.rules.maxPostsPerDay,
    spacing: req.taken.every((t) => Math.abs(c - t.getTime()) >= Math.max(spacing, 1)),
    oracle: oracleValid(req, c, at),
  })
    .filter(([, ok]) => !ok)
    .map(([rule]) => rule);
  expect(broken, `${result.toISOString()} = ${local.day} ${local.hhmm} ${req.rules.timezone}`).toEqual([]);
  expect(slotViolation(req, result)).toBeNull();
}

// ---- Generators: `now` near the DST transitions of 2025–2027, or anywhere in those years ----

const RANGE_START = Date.UTC(2025, 0, 1);
const RANGE_END = Date.UTC(2028, 0, 1);

/** UTC days on which each zone's offset changes, 2025–2027 (empty for zones without DST). */
const transitionDays: Record<string, number[]> = Object.fromEntries(
  ZONES.map((tz) => {
    const days: number[] = [];
    let previous = offsetAt(RANGE_START, tz);
    for (let day = RANGE_START + DAY; day <= RANGE_END; day += DAY) {
      const offset = offsetAt(day, tz);
      if (offset !== previous) days.push(day - DAY);
      previous = offset;
    }
    return [tz, days];
  }),
);

function nowArb(tz: string): fc.Arbitrary<number> {
  const anywhere = fc.integer({ min: RANGE_START, max: RANGE_END });
  const days = transitionDays[tz] ?? [];
  if (days.length === 0) return anywhere;
  const nearTransition = fc
    .tuple(fc.constantFrom(...days), fc.integer({ min: -2 * DAY, max: 3 * DAY }))
    .map(([day, shift]) => day + shift);
  return fc.oneof({ arbitrary: nearTransition, weight: 3 }, { arbitrary: anywhere, weight: 1 });
}

const two = (n: number) => String(n).padStart(2, '0');
// Early hours are over-weighted: that is where the DST transitions of these zones happen.
const hourArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 23 }));
const anySlotArb = fc
  .tuple(hourArb, fc.oneof(fc.constantFrom(0, 15, 30, 45), fc.integer({ min: 0, max: 59 })))
  .map(([h, m]) => `${two(h)}:${two(m)}`);
const quarterSlotArb = fc.tuple(hourArb, fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${two(h)}:${two(m)}`);

const zoneArb = fc.constantFrom(...ZONES);

/** Broad requests: any slots, random taken times (also in the past), long horizons. */
const requestArb: fc.Arbitrary<SlotRequest> = zoneArb.chain((tz) =>
  fc
    .record({
      now: nowArb(tz),
      slots: fc.oneof(fc.constant<string[]>([]), fc.uniqueArray(anySlotArb, { minLength: 1, maxLength: 6 })),
      maxPostsPerDay: fc.integer({ min: 1, max: 4 }),
      minSpacingMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 360 })),
      minLeadMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 240 })),
      maxLeadDays: fc.integer({ min: 1, max: 30 }),
      taken: fc.array(fc.integer({ min: -2 * DAY, max: 6 * DAY }), { maxLength: 12 }),
    })
    .map((r) => ({
      rules: { timezone: tz, slots: r.slots, maxPostsPerDay: r.maxPostsPerDay, minSpacingMinutes: r.minSpacingMinutes },
      lead: { minLeadMinutes: r.minLeadMinutes, maxLeadDays: r.maxLeadDays },
      now: new Date(r.now),
      taken: r.taken.map((shift) => new Date(r.now + shift)),
    })),
);

/**
 * Small requests a brute force can check completely: horizons of 1–3 days, everything on whole
 * minutes (slots on quarter hours), crowded enough that "nothing fits" happens often.
 */
function smallRequestArb(mode: 'slots' | 'asap'): fc.Arbitrary<SlotRequest> {
  return zoneArb.chain((tz) =>
    fc
      .record({
        now: nowArb(tz).map((ms) => Math.floor(ms / MINUTE) * MINUTE),
        slots: mode === 'slots' ? fc.uniqueArray(quarterSlotArb, { minLength: 1, maxLength: 5 }) : fc.constant<string[]>([]),
        maxPostsPerDay: fc.integer({ min: 1, max: 3 }),
        minSpacingMinutes: fc.constantFrom(0, 1, 15, 45, 60, 90, 240, 600),
        minLeadMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 })),
        maxLeadDays: fc.integer({ min: 1, max: 3 }),
        // Quarter-hour taken times collide with slots; odd minutes exercise spacing edges.
        taken: fc.array(fc.oneof(fc.integer({ min: -96, max: 300 }).map((q) => q * QUARTER), fc.integer({ min: -1440, max: 4500 }).map((m) => m * MINUTE)), { maxLength: 10 }),
      })
      .map((r) => {
        const quarterBase = Math.floor(r.now / QUARTER) * QUARTER;
        return {
          rules: { timezone: tz, slots: r.slots, maxPostsPerDay: r.maxPostsPerDay, minSpacingMinutes: r.minSpacingMinutes },
          lead: { minLeadMinutes: r.minLeadMinutes, maxLeadDays: r.maxLeadDays },
          now: new Date(r.now),
          taken: r.taken.map((shift) => new Date(quarterBase + shift)),
        };
      }),
  );
}

/**
 * The earliest valid time by exhaustion. Slot instants lie on UTC quarter hours (slots are on
 * quarter hours, offsets are multiples of 15 minutes). In ASAP mode every interval of valid times
 * opens on a whole minute, at now + 1 s or at a taken time + 1 s (spacing 0).
 */
function bruteForce(req: SlotRequest): number | null {
  const at = clock(req.rules.timezone);
  const now = req.now.getTime();
  const end = now + req.lead.maxLeadDays * DAY;
  if (req.rules.slots.length > 0) {
    for (let c = Math.ceil(now / QUARTER) * QUARTER; c <= end; c += QUARTER) {
      if (oracleValid(req, c, at)) return c;
    }
    return null;
  }
  const candidates = [now + SECOND, ...req.taken.map((t) => t.getTime() + SECOND)];
  for (let c = now + MINUTE; c <= end; c += MINUTE) candidates.push(c);
  candidates.sort((a, b) => a - b);
  return candidates.find((c) => oracleValid(req, c, at)) ?? null;
}

const withTaken = (req: SlotRequest, taken: readonly Date[]): SlotRequest => ({ ...req, taken });

describe('nextFreeSlot properties', () => {
  it('returns a time that meets every rule, and slotViolation agrees', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const result = nextFreeSlot(req);
        if (result) expectValid(req, result);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every invariant pairwise when slots are allocated one after another', () => {
    fc.assert(
      fc.property(requestArb, fc.integer({ min: 2, max: 8 }), (base, n) => {
        const req = withTaken(base, []);
        const at = clock(req.rules.timezone);
        const allocated: Date[] = [];
        for (let i = 0; i < n; i++) {
          const next = nextFreeSlot(withTaken(req, allocated));
          if (!next) break;
          expectValid(withTaken(req, allocated), next);
          // Taking a time only removes options, so each allocation comes after the previous one.
          if (allocated.length > 0) expect(next.getTime()).toBeGreaterThan(allocated.at(-1)!.getTime());
          allocated.push(next);
        }
        const perDay = new Map<string, number>();
        let closest = Infinity;
        for (const [i, a] of allocated.entries()) {
          const day = at(a.getTime()).day;
          perDay.set(day, (perDay.get(day) ?? 0) + 1);
          for (const b of allocated.slice(i + 1)) closest = Math.min(closest, Math.abs(a.getTime() - b.getTime()));
        }
        expect(closest).toBeGreaterThanOrEqual(Math.max(req.rules.minSpacingMinutes * MINUTE, 1));
        expect(Math.max(0, ...perDay.values())).toBeLessThanOrEqual(req.rules.maxPostsPerDay);
      }),
      { numRuns: 200 },
    );
  });

  for (const mode of ['slots', 'asap'] as const) {
    it(`finds exactly the earliest valid time, or null only when none exists (${mode}, brute force)`, () => {
      const seen = { found: 0, none: 0 };
      fc.assert(
        fc.property(smallRequestArb(mode), fc.array(fc.integer({ min: -HOUR, max: 3 * DAY + HOUR }), { maxLength: 4 }), (req, probes) => {
          const result = nextFreeSlot(req);
          const expected = bruteForce(req);
          expect(result?.getTime() ?? null).toBe(expected);
          if (result) seen.found++;
          else seen.none++;
          // slotViolation answers the same question for arbitrary times (whole minutes and not).
          const at = clock(req.rules.timezone);
          const now = req.now.getTime();
          const probeTimes = [...probes.map((p) => now + p), ...probes.map((p) => Math.round((now + p) / QUARTER) * QUARTER)];
          const disagreements = probeTimes.filter((probe) => (slotViolation(req, new Date(probe)) === null) !== oracleValid(req, probe, at));
          expect(disagreements.map((probe) => new Date(probe).toISOString())).toEqual([]);
        }),
        { numRuns: mode === 'slots' ? 250 : 120 },
      );
      // The generator must exercise both outcomes, or the null half of the property proves nothing.
      expect(seen.found).toBeGreaterThan(10);
      expect(seen.none).toBeGreaterThan(5);
    });
  }
});

// ---- Examples ----

const lead = { minLeadMinutes: 0, maxLeadDays: 30 };
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('daylight-saving transitions', () => {
  const ny = { timezone: 'America/New_York', slots: ['02:30'], maxPostsPerDay: 4, minSpacingMinutes: 0 };

  it('skips a New York slot that falls in the spring-forward gap (2026-03-08 02:30)', () => {
    expect(zonedTimeToUtc('2026-03-08', '02:30', 'America/New_York')).toBeNull();
    const now = new Date('2026-03-08T05:00:00Z'); // 00:00 EST
    expect(iso(nextFreeSlot({ rules: ny, lead, now, taken: [] }))).toBe('2026-03-09T06:30:00.000Z'); // next day, EDT
    expect(slotViolation({ rules: ny, lead, now, taken: [] }, new Date('2026-03-08T07:30:00Z'))).toMatch(/03:30 .* not one of the posting slots \(02:30\)/);
  });

  it('uses a New York slot in the fall-back overlap once, at the earlier instant (2026-11-01 01:30)', () => {
    const rules = { ...ny, slots: ['01:30'] };
    const now = new Date('2026-11-01T04:00:00Z'); // 00:00 EDT
    expect(iso(zonedTimeToUtc('2026-11-01', '01:30', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    const first = nextFreeSlot({ rules, lead, now, taken: [] })!;
    expect(iso(first)).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
    // Not 06:30Z, the second 01:30 (EST) of the same day.
    expect(iso(nextFreeSlot({ rules, lead, now, taken: [first] }))).toBe('2026-11-02T06:30:00.000Z');
    expect(slotViolation({ rules, lead, now, taken: [first] }, new Date('2026-11-01T06:30:00Z'))).toMatch(/2026-11-01 01:30 \(America\/New_York\) comes round a second time/);
  });

  it('handles Europe/Madrid in March and October 2026', () => {
    expect(zonedTimeToUtc('2026-03-29', '02:15', 'Europe/Madrid')).toBeNull();
    expect(iso(zonedTimeToUtc('2026-03-29', '03:00', 'Europe/Madrid'))).toBe('2026-03-29T01:00:00.000Z'); // CEST
    expect(iso(zonedTimeToUtc('2026-10-25', '02:30', 'Europe/Madrid'))).toBe('2026-10-25T00:30:00.000Z'); // CEST, not CET
    const rules = { timezone: 'Europe/Madrid', slots: ['02:15', '09:00'], maxPostsPerDay: 4, minSpacingMinutes: 0 };
    const now = new Date('2026-03-28T23:30:00Z'); // 00:30 CET on the 29th
    expect(iso(nextFreeSlot({ rules, lead, now, taken: [] }))).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
  });

  it('handles the 30-minute shifts of Lord Howe and the odd offsets of Kathmandu and Chatham', () => {
    expect(zonedTimeToUtc('2026-10-04', '02:15', 'Australia/Lord_Howe')).toBeNull();
    expect(iso(zonedTimeToUtc('2026-04-05', '01:45', 'Australia/Lord_Howe'))).toBe('2026-04-04T14:45:00.000Z'); // +11, the earlier
    expect(iso(zonedTimeToUtc('2026-01-01', '00:00', 'Asia/Kathmandu'))).toBe('2025-12-31T18:15:00.000Z');
    expect(zonedTimeToUtc('2026-09-27', '03:00', 'Pacific/Chatham')).toBeNull(); // 02:45 → 03:45
    expect(localDay(new Date('2026-01-01T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-01-02');
    expect(localDay(new Date('2026-01-01T10:14:59Z'), 'Pacific/Chatham')).toBe('2026-01-01');
    expect(localDay(new Date('2026-01-01T10:15:00Z'), 'Pacific/Chatham')).toBe('2026-01-02');
  });
});

describe('rules', () => {
  // Bogotá is UTC−05:00 all year.
  const bogota = { timezone: 'America/Bogota', slots: ['09:00', '13:00', '18:00'], maxPostsPerDay: 2, minSpacingMinutes: 60 };
  const at = (local: string) => new Date(`${local}-05:00`);

  it('rolls to the next day when the day is full', () => {
    const taken = [at('2026-05-10T09:00'), at('2026-05-10T13:00')];
    const now = at('2026-05-10T08:00');
    expect(nextFreeSlot({ rules: bogota, lead, now, taken })).toEqual(at('2026-05-11T09:00'));
    expect(slotViolation({ rules: bogota, lead, now, taken }, at('2026-05-10T18:00'))).toMatch(/2026-05-10 .* already has 2 publications \(at most 2 a day\)/);
  });

  it('keeps the spacing before and after taken times', () => {
    const rules = { ...bogota, slots: ['09:00', '10:00', '12:00', '13:30'], maxPostsPerDay: 4, minSpacingMinutes: 120 };
    const now = at('2026-05-10T08:00');
    // 09:00 is too close to the later 10:30, 10:00 and 12:00 too; 13:30 is three hours after it.
    expect(nextFreeSlot({ rules, lead, now, taken: [at('2026-05-10T10:30')] })).toEqual(at('2026-05-10T13:30'));
    // Exactly the spacing is enough.
    expect(nextFreeSlot({ rules, lead, now, taken: [at('2026-05-10T11:00')] })).toEqual(at('2026-05-10T09:00'));
    expect(slotViolation({ rules, lead, now, taken: [at('2026-05-10T10:30')] }, at('2026-05-10T09:00'))).toMatch(
      /2026-05-10 09:00 \(America\/Bogota\) is less than 120 minutes from another publication at 2026-05-10 10:30/,
    );
  });

  it('lets minLeadMinutes push past a slot', () => {
    const now = at('2026-05-10T08:50');
    expect(nextFreeSlot({ rules: bogota, lead: { ...lead, minLeadMinutes: 15 }, now, taken: [] })).toEqual(at('2026-05-10T13:00'));
    expect(nextFreeSlot({ rules: bogota, lead: { ...lead, minLeadMinutes: 5 }, now, taken: [] })).toEqual(at('2026-05-10T09:00'));
    expect(slotViolation({ rules: bogota, lead: { ...lead, minLeadMinutes: 15 }, now, taken: [] }, at('2026-05-10T09:00'))).toMatch(/less than 15 minutes ahead/);
  });

  it('never returns the present', () => {
    const now = at('2026-05-10T09:00');
    expect(nextFreeSlot({ rules: bogota, lead, now, taken: [] })).toEqual(at('2026-05-10T13:00'));
  });

  it('returns null past maxLeadDays', () => {
    const rules = { ...bogota, slots: ['09:00'], maxPostsPerDay: 1 };
    const now = at('2026-05-10T10:00');
    const taken = [at('2026-05-11T09:00'), at('2026-05-12T09:00')];
    expect(nextFreeSlot({ rules, lead: { ...lead, maxLeadDays: 2 }, now, taken })).toBeNull();
    expect(nextFreeSlot({ rules, lead: { ...lead, maxLeadDays: 3 }, now, taken })).toEqual(at('2026-05-13T09:00'));
    expect(nextFreeSlot({ rules, lead: { minLeadMinutes: 3 * 24 * 60, maxLeadDays: 2 }, now, taken: [] })).toBeNull();
    expect(slotViolation({ rules, lead: { ...lead, maxLeadDays: 2 }, now, taken: [] }, at('2026-05-13T09:00'))).toMatch(/more than 2 days ahead/);
  });

  it('posts as soon as possible without slots, rounded up to the second', () => {
    const rules = { ...bogota, slots: [], maxPostsPerDay: 2, minSpacingMinutes: 120 };
    const now = new Date('2026-05-10T15:00:00.250Z');
    expect(iso(nextFreeSlot({ rules, lead, now, taken: [] }))).toBe('2026-05-10T15:00:01.000Z');
    expect(iso(nextFreeSlot({ rules, lead, now: new Date('2026-05-10T15:00:00Z'), taken: [] }))).toBe('2026-05-10T15:00:01.000Z');
    expect(iso(nextFreeSlot({ rules, lead, now, taken: [new Date('2026-05-10T14:30:00.500Z')] }))).toBe('2026-05-10T16:30:01.000Z');
    // The local day (Bogotá) is full: the next one starts at 05:00Z.
    const full = [new Date('2026-05-10T06:00:00Z'), new Date('2026-05-10T09:00:00Z')];
    expect(iso(nextFreeSlot({ rules, lead, now, taken: full }))).toBe('2026-05-11T05:00:00.000Z');
    expect(slotViolation({ rules, lead, now, taken: [] }, new Date('2026-05-10T16:00:00.500Z'))).toBe('2026-05-10 11:00:00.500 (America/Bogota) must fall on a whole second');
  });

  it('never hands out a taken time twice, even without spacing', () => {
    const rules = { ...bogota, slots: ['09:00', '13:00'], maxPostsPerDay: 4, minSpacingMinutes: 0 };
    const now = at('2026-05-10T08:00');
    expect(nextFreeSlot({ rules, lead, now, taken: [at('2026-05-10T09:00')] })).toEqual(at('2026-05-10T13:00'));
    expect(slotViolation({ rules, lead, now, taken: [at('2026-05-10T09:00')] }, at('2026-05-10T09:00'))).toMatch(/already taken/);
  });

  it('explains bad rules', () => {
    const bad = { timezone: 'Mars/Olympus', slots: ['9:00', '24:00', '08:00', '08:00'], maxPostsPerDay: 0, minSpacingMinutes: -5 };
    expect(validateSchedulingRules(bad)).toEqual([
      'unknown time zone "Mars/Olympus"',
      'malformed slot "9:00" (expected HH:MM between 00:00 and 23:59)',
      'malformed slot "24:00" (expected HH:MM between 00:00 and 23:59)',
      'duplicate slot "08:00"',
      'maxPostsPerDay must be a whole number of at least 1 (got 0)',
      'minSpacingMinutes must be 0 or more (got -5)',
    ]);
    expect(validateSchedulingRules({ ...bogota, maxPostsPerDay: 1.5 })).toEqual(['maxPostsPerDay must be a whole number of at least 1 (got 1.5)']);
    expect(validateSchedulingRules({ ...bogota, timezone: '' })).toEqual(['unknown time zone ""']);
    // jsonb can hold anything.
    const junk = { timezone: undefined, slots: 'nine', maxPostsPerDay: '2', minSpacingMinutes: null } as unknown as SlotRequest['rules'];
    expect(validateSchedulingRules(junk)).toHaveLength(4);
    expect(validateSchedulingRules(bogota)).toEqual([]);
    const req = { rules: bad, lead, now: new Date(), taken: [] };
    expect(() => nextFreeSlot(req)).toThrow(RangeError);
    expect(slotViolation(req, new Date())).toMatch(/^invalid scheduling rules: unknown time zone/);
  });

  it('rejects malformed input to the time helpers', () => {
    expect(() => zonedTimeToUtc('2026-02-30', '09:00', 'UTC')).toThrow(RangeError);
    expect(() => zonedTimeToUtc('2026-02-01', '9:00', 'UTC')).toThrow(RangeError);
    expect(() => localDay(new Date(NaN), 'UTC')).toThrow(RangeError);
    expect(() => nextFreeSlot({ rules: bogota, lead, now: new Date(NaN), taken: [] })).toThrow(RangeError);
  });
});
