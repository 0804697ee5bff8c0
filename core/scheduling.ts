/**
 * Scheduling rules engine: the earliest time a publication may go out on one account, and why a
 * time an admin picked is not allowed. Pure and deterministic (workflows import it); time zones go
 * through `Intl.DateTimeFormat` only.
 *
 * A time `c` is valid for a request when every rule holds:
 * - Future: `c > now`, `c >= now + minLeadMinutes` and
 *   `c <= now + maxLeadDays × 24 h` (the platform's horizon).
 * - Slots (when `slots` is non-empty): `c` is exactly a slot's wall-clock time (seconds 0) in the
 *   model's time zone. A slot inside a daylight-saving gap (spring forward) does not exist that day
 *   and is skipped; a slot inside an overlap (fall back) exists once, at its earlier instant.
 * - As soon as possible (when `slots` is empty): any whole second; `nextFreeSlot` returns the
 *   earliest one, so results are rounded up to the second.
 * - Spacing: `|c − t| >= minSpacingMinutes` for every taken `t`, before and after `c`. A taken
 *   instant is never handed out again, even with a spacing of 0.
 * - Daily cap: fewer than `maxPostsPerDay` taken times fall on `c`'s local day (model's time zone).
 *
 * `taken` holds the account's live publications; to validate moving one of them, leave it out.
 * Invalid rules (see `validateSchedulingRules`) make `nextFreeSlot` throw a RangeError (null would
 * read as "the calendar is full") and `slotViolation` return the problems. Invalid dates or lead
 * numbers are programming errors and throw in both.
 *
 * Cost: one pass over the local days of the horizon, slots sorted, stopping at the first fit.
 * Offsets are probed at UTC midnights and memoised (bounded); we assume a zone never changes its
 * offset twice within three days (true of every modern tz database rule).
 */
import type { DistributionRules, PlatformCapabilities } from './types.js';

export interface SlotRequest {
  rules: Pick<DistributionRules, 'timezone' | 'slots' | 'maxPostsPerDay' | 'minSpacingMinutes'>;
  lead: Pick<PlatformCapabilities, 'minLeadMinutes' | 'maxLeadDays'>;
  now: Date;
  /** Times already taken by this account's live publications. */
  taken: readonly Date[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SLOT_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The earliest time that satisfies every rule, or null when nothing fits within the platform's horizon. */
export function nextFreeSlot(req: SlotRequest): Date | null {
  const problems = validateSchedulingRules(req.rules);
  if (problems.length > 0) throw new RangeError(`invalid scheduling rules: ${problems.join('; ')}`);
  const plan = new Plan(req);
  const found = plan.slots.length > 0 ? plan.firstSlot() : plan.firstAsap();
  return found === null ? null : new Date(found);
}

/** Why `candidate` breaks the rules (for validating an admin's manual reschedule), or null. Same rules as nextFreeSlot. */
export function slotViolation(req: SlotRequest, candidate: Date): string | null {
  const problems = validateSchedulingRules(req.rules);
  if (problems.length > 0) return `invalid scheduling rules: ${problems.join('; ')}`;
  const plan = new Plan(req);
  const c = checkedTime(candidate, 'candidate');
  const { zone, rules, lead } = plan;
  const local = zone.describe(c);
  const where = `${local.label} (${rules.timezone})`;
  if (c <= plan.now) return `${where} is not in the future`;
  if (c < plan.now + lead.minLeadMinutes * MINUTE) {
    return `${where} is less than ${lead.minLeadMinutes} minutes ahead (the platform's minimum lead)`;
  }
  if (c > plan.horizon) return `${where} is more than ${lead.maxLeadDays} days ahead (the platform's horizon)`;
  if (plan.slots.length > 0) {
    const slot = plan.slots.find((s) => s.hhmm === local.hhmm);
    if (!slot || !local.onMinute) {
      return `${where} is not one of the posting slots (${plan.slots.map((s) => s.hhmm).join(', ')})`;
    }
    if (zone.toUtc(local.day, slot.minutes) !== c) {
      return `${where} comes round a second time after the clocks go back; only its first occurrence is a slot`;
    }
  } else if (mod(c, SECOND) !== 0) {
    return `${where} must fall on a whole second`;
  }
  const count = plan.countOn(local.day);
  if (count >= rules.maxPostsPerDay) {
    return `${local.day} (${rules.timezone}) already has ${count} publication${count === 1 ? '' : 's'} (at most ${rules.maxPostsPerDay} a day)`;
  }
  const other = plan.conflict(c);
  if (other !== undefined) {
    return rules.minSpacingMinutes > 0
      ? `${where} is less than ${rules.minSpacingMinutes} minutes from another publication at ${plan.describe(other)}`
      : `${where} is already taken by another publication`;
  }
  return null;
}

/** 'YYYY-MM-DD' of the instant in the time zone. */
export function localDay(instant: Date, timeZone: string): string {
  const wall = readWall(formatterFor(timeZone), checkedTime(instant, 'instant'));
  return formatDay(wall.year, wall.month, wall.day);
}

/** The UTC instant of a local wall-clock time, or null when that time does not exist (DST gap). For an ambiguous time (DST overlap) the earlier instant. */
export function zonedTimeToUtc(day: string, hhmm: string, timeZone: string): Date | null {
  const match = SLOT_PATTERN.exec(hhmm);
  if (!match) throw new RangeError(`malformed time "${hhmm}" (expected HH:MM)`);
  const ms = new Zone(timeZone).toUtc(day, Number(match[1]) * 60 + Number(match[2]));
  return ms === null ? null : new Date(ms);
}

/** Human-readable problems with the rules (unknown time zone, malformed or duplicate slot, maxPostsPerDay < 1, negative spacing); empty when valid. */
export function validateSchedulingRules(rules: SlotRequest['rules']): string[] {
  const problems: string[] = [];
  // The rules come from a jsonb column, so the types are checked too.
  const tz: unknown = rules.timezone;
  if (typeof tz !== 'string' || !isTimeZone(tz)) problems.push(`unknown time zone ${JSON.stringify(tz)}`);
  const slots: unknown = rules.slots;
  if (!Array.isArray(slots)) {
    problems.push('slots must be a list of "HH:MM" times');
  } else {
    const seen = new Set<string>();
    for (const slot of slots as unknown[]) {
      if (typeof slot !== 'string' || !SLOT_PATTERN.test(slot)) {
        problems.push(`malformed slot ${JSON.stringify(slot)} (expected HH:MM between 00:00 and 23:59)`);
      } else if (seen.has(slot)) {
        problems.push(`duplicate slot "${slot}"`);
      } else {
        seen.add(slot);
      }
    }
  }
  const cap: unknown = rules.maxPostsPerDay;
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1) {
    problems.push(`maxPostsPerDay must be a whole number of at least 1 (got ${String(cap)})`);
  }
  const spacing: unknown = rules.minSpacingMinutes;
  if (typeof spacing !== 'number' || !Number.isFinite(spacing) || spacing < 0) {
    problems.push(`minSpacingMinutes must be 0 or more (got ${String(spacing)})`);
  }
  return problems;
}

interface Slot {
  hhmm: string;
  minutes: number;
}

/** One request, normalised to epoch milliseconds. */
class Plan {
  readonly rules: SlotRequest['rules'];
  readonly lead: SlotRequest['lead'];
  readonly zone: Zone;
  readonly now: number;
  /** Smallest acceptable instant (ms): every lower bound, and strictly after now. */
  readonly floor: number;
  readonly horizon: number;
  readonly slots: Slot[];
  private readonly taken: number[];
  private readonly spacing: number;
  private readonly counts = new Map<string, number>();

  constructor(req: SlotRequest) {
    this.rules = req.rules;
    this.lead = req.lead;
    const { minLeadMinutes, maxLeadDays } = req.lead;
    if (!Number.isFinite(minLeadMinutes) || !Number.isFinite(maxLeadDays)) {
      throw new RangeError(`lead must be finite numbers (got minLeadMinutes ${minLeadMinutes}, maxLeadDays ${maxLeadDays})`);
    }
    this.zone = new Zone(req.rules.timezone);
    this.now = checkedTime(req.now, 'now');
    // Date values are whole milliseconds, so "after now" is "at least now + 1 ms".
    this.floor = Math.max(this.now + 1, this.now + minLeadMinutes * MINUTE);
    this.horizon = this.now + maxLeadDays * DAY;
    this.slots = req.rules.slots
      .map((hhmm) => ({ hhmm, minutes: Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)) }))
      .sort((a, b) => a.minutes - b.minutes);
    this.taken = req.taken.map((t) => checkedTime(t, 'taken time')).sort((a, b) => a - b);
    this.spacing = req.rules.minSpacingMinutes * MINUTE;
  }

  /** Taken times on a local day, memoised; only taken times near that day are converted. */
  countOn(day: string): number {
    let count = this.counts.get(day);
    if (count === undefined) {
      // A local day lies within 15 h of its date read as UTC.
      const from = parseDay(day) - 15 * HOUR;
      const to = from + DAY + 30 * HOUR;
      count = 0;
      for (const t of this.taken) {
        if (t >= from && t < to && this.zone.localDay(t) === day) count++;
      }
      this.counts.set(day, count);
    }
    return count;
  }

  /** A taken time too close to `c`, if any. */
  conflict(c: number): number | undefined {
    for (const t of this.taken) {
      if (this.spacing > 0 ? Math.abs(c - t) < this.spacing : c === t) return t;
    }
    return undefined;
  }

  describe(ms: number): string {
    return this.zone.describe(ms).label;
  }

  firstSlot(): number | null {
    if (this.floor > this.horizon) return null;
    const last = lastLocalDay(this.horizon);
    // Wall times map to instants in order (earlier instant in overlaps), so the first fit is the earliest.
    for (let day = this.zone.localDay(this.floor); day <= last; day = nextDay(day)) {
      if (this.countOn(day) >= this.rules.maxPostsPerDay) continue;
      for (const slot of this.slots) {
        const c = this.zone.toUtc(day, slot.minutes);
        if (c === null || c < this.floor || c > this.horizon) continue;
        if (this.conflict(c) === undefined) return c;
      }
    }
    return null;
  }

  firstAsap(): number | null {
    if (this.floor > this.horizon) return null;
    const last = lastLocalDay(this.horizon);
    let start = this.floor;
    for (let day = this.zone.localDay(this.floor); day <= last; ) {
      const next = nextDay(day);
      const nextStart = this.zone.dayStart(next);
      if (this.countOn(day) < this.rules.maxPostsPerDay) {
        const from = Math.max(start, this.floor);
        const to = Math.min(this.horizon, nextStart - 1);
        // The valid set is a union of intervals that open at a lower bound, a day start or a taken
        // time + spacing; the earliest whole second is the rounded-up opening of one of them.
        const candidates = [ceilSecond(from)];
        for (const t of this.taken) {
          const opening = ceilSecond(this.spacing > 0 ? t + this.spacing : t + 1);
          if (opening > from && opening <= to) candidates.push(opening);
        }
        candidates.sort((a, b) => a - b);
        for (const c of candidates) {
          if (c > to) break;
          if (this.conflict(c) === undefined) return c;
        }
      }
      start = nextStart;
      day = next;
    }
    return null;
  }
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall clock of one time zone. */
class Zone {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets: Map<number, number>;

  constructor(timeZone: string) {
    this.format = formatterFor(timeZone);
    this.offsets = offsetCacheFor(timeZone);
  }

  /** Offset (local − UTC, ms) at an instant, straight from Intl. */
  private exactOffset(ms: number): number {
    const second = Math.floor(ms / SECOND) * SECOND;
    let offset = this.offsets.get(second);
    if (offset === undefined) {
      const w = readWall(this.format, second);
      offset = utcOf(w.year, w.month, w.day, w.hour, w.minute, w.second) - second;
      if (this.offsets.size >= OFFSET_CACHE_LIMIT) this.offsets.clear();
      this.offsets.set(second, offset);
    }
    return offset;
  }

  /** Offset at an instant; two probes per UTC day answer it unless that day holds a transition. */
  offset(ms: number): number {
    const dayStart = Math.floor(ms / DAY) * DAY;
    const before = this.exactOffset(dayStart);
    return before === this.exactOffset(dayStart + DAY) ? before : this.exactOffset(ms);
  }

  /** Local wall clock of an instant, as a UTC date whose fields read as the local ones. */
  private shifted(ms: number): Date {
    return new Date(ms + this.offset(ms));
  }

  localDay(ms: number): string {
    const d = this.shifted(ms);
    return formatDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }

  /** Local day, HH:MM and a label that shows seconds (and milliseconds) only when present. */
  describe(ms: number): { day: string; hhmm: string; onMinute: boolean; label: string } {
    const d = this.shifted(ms);
    const day = formatDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    const hhmm = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`;
    const seconds = d.getUTCSeconds();
    const millis = d.getUTCMilliseconds();
    const onMinute = seconds === 0 && millis === 0;
    const extra = onMinute ? '' : `:${pad(seconds, 2)}${millis === 0 ? '' : `.${pad(millis, 3)}`}`;
    return { day, hhmm, onMinute, label: `${day} ${hhmm}${extra}` };
  }

  /** Instant of a wall-clock time: null in a gap, the earlier instant in an overlap. */
  toUtc(day: string, minutes: number): number | null {
    const wall = parseDay(day) + minutes * MINUTE;
    // The instant lies within ±15 h of the wall time read as UTC; offsets a day before and two
    // days after bracket it, and differ only when a transition sits in between.
    const dayStart = Math.floor(wall / DAY) * DAY;
    const early = this.exactOffset(dayStart - DAY);
    const late = this.exactOffset(dayStart + 2 * DAY);
    if (early === late) return wall - early;
    let found: number | null = null;
    for (const offset of [early, late]) {
      const instant = wall - offset;
      if (this.exactOffset(instant) === offset && (found === null || instant < found)) found = instant;
    }
    return found;
  }

  /** First instant of a local day (after a gap when midnight does not exist). */
  dayStart(day: string): number {
    const midnight = this.toUtc(day, 0);
    if (midnight !== null) return midnight;
    // Rare: midnight skipped by a transition. Bisect for the first second that reads as `day`.
    const wall = parseDay(day);
    let lo = wall - 16 * HOUR; // reads as an earlier day (offsets stay under ±15 h)
    let hi = wall + 16 * HOUR; // reads as `day` or later
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
      const midDay = formatWallDay(readWall(this.format, mid));
      if (midDay >= day) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * Offsets by zone and instant. An Intl call costs ~10 µs and the same UTC-midnight probes recur
 * across calls; a memo of a pure function keeps results deterministic, and the limit bounds memory.
 */
const offsetCaches = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 20_000;

function offsetCacheFor(timeZone: string): Map<number, number> {
  let cache = offsetCaches.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCaches.set(timeZone, cache);
  }
  return cache;
}

/** Cached per zone name: building a formatter costs far more than using one. Throws RangeError for unknown zones. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

function isTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function readWall(format: Intl.DateTimeFormat, ms: number): Wall {
  const wall: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of format.formatToParts(ms)) {
    if (part.type in wall) wall[part.type as keyof Wall] = Number(part.value);
  }
  // Some ICU versions print midnight as 24 even with h23.
  if (wall.hour === 24) wall.hour = 0;
  return wall;
}

/** Epoch ms of a UTC calendar time; setUTCFullYear keeps years 0–99 literal (Date.UTC maps them to 19xx). */
function utcOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Epoch ms of a 'YYYY-MM-DD' day's midnight read as UTC; throws on a malformed or impossible date. */
function parseDay(day: string): number {
  const match = DAY_PATTERN.exec(day);
  const ms = match ? utcOf(Number(match[1]), Number(match[2]), Number(match[3])) : NaN;
  if (Number.isNaN(ms) || formatUtcDay(ms) !== day) throw new RangeError(`malformed day "${day}" (expected YYYY-MM-DD)`);
  return ms;
}

/** A local day no earlier than the horizon's, without asking Intl (offsets stay under 15 h). */
function lastLocalDay(horizon: number): string {
  return formatUtcDay(horizon + 15 * HOUR);
}

function nextDay(day: string): string {
  return formatUtcDay(parseDay(day) + DAY);
}

function formatUtcDay(ms: number): string {
  const d = new Date(ms);
  return formatDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function formatWallDay(wall: Wall): string {
  return formatDay(wall.year, wall.month, wall.day);
}

function formatDay(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function ceilSecond(ms: number): number {
  return Math.ceil(ms / SECOND) * SECOND;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

function checkedTime(value: Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid date`);
  return ms;
}
