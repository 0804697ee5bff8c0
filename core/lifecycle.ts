/**
 * Timing knobs of the content lifecycle. They travel in workflow inputs (workflows cannot read config),
 * so operators change them with env vars and tests shorten them without touching workflow code.
 */

export interface LifecycleOptions {
  /** A worker that dies mid-activity is noticed after this long (activities heartbeat well within it). */
  heartbeatTimeoutMs: number;
  /** Upper bound for the short database activities. */
  dbActivityTimeoutMs: number;
  /** Metrics reads after publishing, as offsets from the publish time. */
  metricsPollOffsetsMs: number[];
  /** Start a fresh run (continueAsNew) once a run's history passes this many events, or when Temporal suggests it. */
  historyLimit: number;
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** About 15 m, 1 h, 3 h, 6 h, 24 h, then daily to day 7, then weekly to day 30 (DESIGN "The content lifecycle"). */
export const defaultMetricsPollOffsetsMs = [
  15 * minute, hour, 3 * hour, 6 * hour, day, 2 * day, 3 * day, 4 * day, 5 * day, 6 * day, 7 * day, 14 * day, 21 * day, 30 * day,
];

export const defaultLifecycleOptions: LifecycleOptions = {
  heartbeatTimeoutMs: 30_000,
  dbActivityTimeoutMs: 30_000,
  metricsPollOffsetsMs: defaultMetricsPollOffsetsMs,
  historyLimit: 5_000,
};

const units: Record<string, number> = { ms: 1, s: 1000, m: minute, h: hour, d: day, w: 7 * day };

/** Parses "15m,1h,3h,1d" into milliseconds; throws a message naming the bad part. */
export function parseDurationList(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('expected a comma-separated list such as "15m,1h,24h"');
  const values = parts.map((part) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(part);
    if (!match) throw new Error(`"${part}" is not a duration (use a number with ms, s, m, h, d or w)`);
    return Math.round(Number(match[1]) * units[match[2]!]!);
  });
  for (let i = 1; i < values.length; i++) {
    if (values[i]! <= values[i - 1]!) throw new Error(`durations must increase: "${parts[i]}" comes after "${parts[i - 1]}"`);
  }
  return values;
}
