/**
 * What a scrape answers: this process's registry plus, when a Temporal worker runs here, the SDK core's own
 * metrics; and the bearer check every metrics endpoint (GET /metrics on the web role, the per-role server)
 * applies. The token is METRICS_TOKEN, or API_TOKEN when that is unset (config.ts `metrics.token`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { countSourceError, registry } from './metrics.js';
import { temporalCoreMetricsText } from './temporal-core.js';

/** Prometheus text exposition format 0.0.4 (what prom-client writes). */
export const metricsContentType = registry.contentType;

/**
 * The whole scrape text. A Temporal core that does not answer leaves its families out of this scrape and counts in
 * `trafico_metrics_source_errors_total{source="temporal_core"}` (seen from the next scrape on).
 */
export async function renderMetrics(): Promise<string> {
  const core = temporalCoreMetricsText().catch(() => {
    countSourceError('temporal_core');
    return undefined;
  });
  const own = await registry.metrics();
  return `${own.endsWith('\n') ? own : `${own}\n`}${(await core) ?? ''}`;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** True when `header` is `Bearer <token>` with exactly `token` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!), digest(token));
}
