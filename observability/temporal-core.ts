/**
 * The Temporal SDK's own worker metrics (pollers, task slots, activity and workflow latencies). The SDK's core
 * exports them only through its runtime telemetry: worker/index.ts installs the Runtime with the core's Prometheus
 * exporter on a loopback port picked here (metric prefix `trafico_temporal_`), and every scrape of our /metrics
 * fetches that endpoint and appends it, so Prometheus reads one endpoint per process, behind our bearer token.
 */
import { createServer } from 'node:net';

let coreMetricsUrl: string | undefined;
const fetchDeadlineMs = 2000;

/** A loopback `host:port` that was free a moment ago, for the core's exporter (the core cannot pick one itself). */
export function reserveLoopbackAddress(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

/** The core's exporter runs at `address` (set once the Runtime is installed with it). */
export function useTemporalCoreMetrics(address: string): void {
  coreMetricsUrl = `http://${address}/metrics`;
}

/**
 * The core's metrics text, only its `trafico_` families (each line of a family starts with its name or is its
 * `# HELP` / `# TYPE`); undefined when no worker runs in this process or the exporter does not answer in time.
 */
export async function temporalCoreMetricsText(): Promise<string | undefined> {
  if (!coreMetricsUrl) return undefined;
  const response = await fetch(coreMetricsUrl, { signal: AbortSignal.timeout(fetchDeadlineMs) });
  if (!response.ok) throw new Error(`the Temporal core's metrics answered HTTP ${response.status}`);
  const text = await response.text();
  const lines = text.split('\n').filter((line) => {
    if (line === '') return false;
    const name = line.startsWith('# ') ? line.split(' ')[2] : line;
    return name?.startsWith('trafico_') ?? false;
  });
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}
