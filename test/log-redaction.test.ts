/**
 * The app's logger (main.ts createLogger) censors secrets at any depth: a secret three levels down, one inside an
 * error's message URL, one in the message's interpolated argument, one in a child's bindings, and Fastify's request
 * URL with an OAuth code. pino's `redact` paths (what the logger had) only reached one level.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../main.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: createLogger({ logLevel: 'info' }, stream), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('censors secrets deep in objects, in error messages, in arguments and in bindings', () => {
    const { log, text } = capture();
    const err = new Error('GET https://graph.example/cb?access_token=ERRSECRET&code=ERRCODE failed');
    log.error({ job: { account: { session: { authData: 'DEEPSECRET', nested: { accessToken: 'DEEPTOKEN' } } } }, err }, 'publish failed');
    log.error(new Error('proxy socks5://user:PROXYPASS@10.0.0.1:1080 refused'));
    log.info('fetching %s', 'https://x/upload?sig=ARGSIG&part=1');
    log.child({ webhook: 'https://hooks.example/in?token=CHILDTOKEN' }).warn('sent');
    log.info({ req: { method: 'GET', url: '/oauth/callback/x?code=REQCODE&state=REQSTATE', host: 'h', ip: '1.2.3.4' } }, 'incoming request');
    const out = text();
    for (const secret of ['ERRSECRET', 'ERRCODE', 'DEEPSECRET', 'DEEPTOKEN', 'PROXYPASS', 'ARGSIG', 'CHILDTOKEN', 'REQCODE', 'REQSTATE']) {
      expect(out, secret).not.toContain(secret);
    }
    // What is not secret is still there to debug with.
    expect(out).toContain('https://graph.example/cb?access_token=[redacted]');
    expect(out).toContain('/oauth/callback/x?code=[redacted]');
    expect(out).toContain('part=1');
    expect(out).toContain('"err":{"type":"Error"');
    expect(out.split('\n').filter(Boolean)).toHaveLength(5);
  });
});
