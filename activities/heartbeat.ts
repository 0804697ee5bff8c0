/**
 * Long activities (ffmpeg, the browser) heartbeat while they run, so when a worker dies Temporal retries them
 * after the heartbeat timeout instead of the whole start-to-close timeout.
 */
import { Context } from '@temporalio/activity';

const heartbeatEveryMs = 1_000;

export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  // The SDK throttles what it sends to the server; beating often only keeps the beat fresh.
  const timer = setInterval(() => ctx.heartbeat(), heartbeatEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Wraps every activity of a group so each one heartbeats while it runs. */
export function heartbeating<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [name, (...args: never[]) => withHeartbeat(() => fn(...args))]),
  ) as T;
}
