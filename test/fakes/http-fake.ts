/**
 * What every platform fake's HTTP server does the same way: listen on a loopback port, close with its keep-alive
 * connections, and play the provider's consent page (the authorize URL with the fake's `fake_decision`, answered by
 * a 302 to our callback).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** Listens on 127.0.0.1 at a free port; returns the server's base URL. Keep-alive outlives the clients' idle sockets. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.keepAliveTimeout = 60_000;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * The user's choice on the provider's consent page: loads the authorize URL (recorded like any request) with the
 * decision, and returns the Location the provider redirects the browser to. Throws with the page's text when the
 * provider refuses the authorize URL itself.
 */
export async function decideOnConsentPage(authorizeUrl: string, decision: string, provider: string): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('fake_decision', decision);
  const res = await fetch(url, { redirect: 'manual' });
  const text = await res.text();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`${provider}'s authorize page refused: HTTP ${res.status} ${text}`);
  return location;
}

/** A scripted answer for the next calls of a route (the fakes' `failNext`): `skip` calls let through, then `remaining` answered so. */
export interface ScriptedFailure<Route> {
  route: Route;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  remaining: number;
  /** Matching calls to let through before this one applies. */
  skip: number;
}

/** The scripted answer this call of `route` gets, if any (counting it down). */
export function takeScriptedFailure<Route>(failures: ScriptedFailure<Route>[], route: Route): ScriptedFailure<Route> | undefined {
  const failure = failures.find((f) => f.route === route && f.remaining > 0);
  if (!failure) return undefined;
  if (failure.skip > 0) {
    failure.skip--;
    return undefined;
  }
  failure.remaining--;
  return failure;
}
