/**
 * The metrics endpoint of the worker and bot roles (the web role serves GET /metrics through Fastify instead): a
 * bare node:http server on METRICS_HOST:METRICS_PORT answering `GET /metrics` with the same text and the same
 * bearer check. Anything else is 404 (405 for another method on /metrics); no request body is read; slow clients
 * are cut off by the header and request timeouts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { bearerMatches, metricsContentType, renderMetrics } from './exposition.js';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests); the caller turns the server off altogether with METRICS_PORT=0 (main.ts). */
  port: number;
  token: string;
  /** Where the server's own failures go (never the token). */
  onError?: (error: Error) => void;
}

export interface MetricsServer {
  /** `http://host:port/metrics` as bound. */
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: { error: string; message: string }, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return sendJson(res, 404, { error: 'not_found', message: 'only GET /metrics is served here' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: 'method_not_allowed', message: 'use GET /metrics' }, { allow: 'GET, HEAD' });
    }
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      return sendJson(res, 401, { error: 'unauthorized', message: 'missing or wrong token (Authorization: Bearer <METRICS_TOKEN, or API_TOKEN when unset>)' }, { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    const text = await renderMetrics();
    res.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const server = createServer((req, res) => {
    // A request body is never read: drain it so the socket can be reused.
    req.resume();
    handle(req, res).catch((error: Error) => {
      opts.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'metrics could not be collected; see the server log' });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
