/**
 * Platform errors are scrubbed where they are made: a platform answer quoting a URL with its tokens ends as the
 * PublishError, the Temporal failure (toFailure) and the `last_error` text without them — through the X driver
 * against a local HTTP server answering like X does, and through the untyped path (a fetch error's text).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiApps, failureOf, testApiContext } from '../../test/helpers/api-driver.js';
import { ServiceError } from '../../services/errors.js';
import { xDriver, type XCredentials } from './drivers/x.js';
import { PublishError } from './errors.js';
import { toFailure } from './index.js';

const leaky = 'https://x/cb?access_token=SECRET&code=SECRET2&page=1';
let server: Server;
let root: string;

beforeAll(async () => {
  // Every call is refused with a problem whose detail quotes a callback URL carrying tokens.
  server = createServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ title: 'Invalid Request', detail: `the callback ${leaky} was refused` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  root = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What the activities store in publications.last_error for a failure. */
const lastErrorOf = (error: unknown) => {
  const failure = toFailure(error);
  return { failure, lastError: `${failure.type}: ${failure.message}` };
};

describe('errors scrubbed at the source', () => {
  it('an X answer quoting a URL with tokens reaches neither the error, the Temporal failure nor last_error', async () => {
    const creds: XCredentials = { accessToken: 'token-x', userId: '1', username: 'tester' } as XCredentials;
    const ctx = testApiContext(xDriver, apiApps({ X_API_ROOT: root }), creds);
    const error = await failureOf(xDriver.readMetrics(ctx, { url: 'https://x.com/tester/status/1', externalId: '1' }));
    expect(error).toBeInstanceOf(PublishError);
    const { failure, lastError } = lastErrorOf(error);
    for (const text of [error.message, failure.message, lastError]) {
      expect(text).not.toContain('SECRET');
      expect(text).toContain('https://x/cb?access_token=[redacted]&code=[redacted]&page=1');
    }
    expect(lastError).toMatch(/^RejectedByPlatform: X GET \/2\/tweets\/:id: HTTP 400/);
  });

  it('an untyped error, a typed one and a service error are scrubbed alike', () => {
    const untyped = lastErrorOf(new TypeError(`fetch failed for ${leaky}`));
    expect(untyped.lastError).toBe('Retryable: fetch failed for https://x/cb?access_token=[redacted]&code=[redacted]&page=1');
    expect(new PublishError('Retryable', `proxy http://user:SECRET@10.0.0.1:8080 refused ${leaky}`).message).not.toContain('SECRET');
    expect(new ServiceError('conflict', 'session_check_failed', `the session check failed: ${leaky}`).message).not.toContain('SECRET');
  });
});
