import { describe, expect, it } from 'vitest';
import { isSecretKey, redactDeep, scrubSecrets } from './redact.js';

describe('scrubSecrets', () => {
  it('drops sensitive query values and URL credentials, keeps the rest of the URL readable', () => {
    expect(scrubSecrets('GET https://x/cb?access_token=SECRET&code=SECRET2&page=2#frag')).toBe('GET https://x/cb?access_token=[redacted]&code=[redacted]&page=2#frag');
    expect(scrubSecrets('https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc123&x-id=GetObject'))
      .toBe('https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&x-id=GetObject');
    expect(scrubSecrets('connect ECONNREFUSED socks5://user:s3cret@10.0.0.1:1080')).toBe('connect ECONNREFUSED socks5://[redacted]@10.0.0.1:1080');
    expect(scrubSecrets('https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendVideo failed'))
      .toBe('https://api.telegram.org/bot[redacted]/sendVideo failed');
    expect(scrubSecrets('#access_token=abc&key=k&sig=s&client_secret=cs&refresh_token=r')).not.toMatch(/abc|=k|=s&|=cs|=r$/);
    expect(scrubSecrets('authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe('authorization: Bearer [redacted]');
  });

  it('drops the token in a Chaturbate Events API path on any host, keeps the username; the Stats API token by its query', () => {
    const token = 'Xn2G0U3cLtBeDhqZKBSkzhhS';
    expect(scrubSecrets(`GET https://eventsapi.chaturbate.com/events/lola_cam/${token}/?timeout=30 failed`))
      .toBe('GET https://eventsapi.chaturbate.com/events/lola_cam/[redacted]/?timeout=30 failed');
    // The nextUrl the API answers, on a configured root with a port and a path prefix, URL-encoded characters included.
    expect(scrubSecrets(`{"nextUrl":"http://127.0.0.1:4123/cb/events/ana.b/${token}%2B1/?i=1625274862454-0&timeout=10"}`))
      .toBe('{"nextUrl":"http://127.0.0.1:4123/cb/events/ana.b/[redacted]/?i=1625274862454-0&timeout=10"}');
    // Without a trailing slash, a path alone (a request line), twice in one text, and idempotent.
    expect(scrubSecrets(`cause: GET /events/lola/${token} → 503; next https://h.example/events/lola/${token}#x`))
      .toBe('cause: GET /events/lola/[redacted] → 503; next https://h.example/events/lola/[redacted]#x');
    const once = scrubSecrets(`https://x/events/lola/${token}/`);
    expect(scrubSecrets(once)).toBe(once);
    // A log line carrying it under an ordinary key (the logger walks every line with redactDeep).
    expect(redactDeep({ source: { nextUrl: `https://x/events/lola/${token}/?i=2` } })).toEqual({ source: { nextUrl: 'https://x/events/lola/[redacted]/?i=2' } });
    expect(scrubSecrets(`https://chaturbate.com/statsapi/?username=lola&token=${token}`)).toBe('https://chaturbate.com/statsapi/?username=lola&token=[redacted]');
  });

  it('leaves paths without a token alone: event lists, one id after /events/, tracking links (public codes)', () => {
    for (const text of [
      'GET /api/events?kind=alert&before=120', 'https://api.github.com/repos/o/r/events', 'https://www.googleapis.com/calendar/v3/calendars/c/events/abc123',
      'https://trafico.example/t/ab12cd/x7', 'https://trafico.example/events', 'see /Events/Foo/Bar in the docs',
    ]) expect(scrubSecrets(text), text).toBe(text);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Instagram /me: HTTP 400 error_code=190 (the token expired); see https://developers.facebook.com/docs?locale=es_ES';
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('redactDeep', () => {
  it('censors secret-named keys at any depth and scrubs strings, errors included', () => {
    const err = new Error('fetch https://x/cb?access_token=DEEP1 failed');
    const out = redactDeep({
      a: { b: { c: { password: 'DEEP2', list: [{ botToken: 'DEEP3', ok: 'fine' }] } } },
      err,
      headers: { Authorization: 'Bearer DEEP4', 'x-api-key': 'DEEP5' },
      sessionSaved: true,
    });
    const text = JSON.stringify(out);
    for (const secret of ['DEEP1', 'DEEP2', 'DEEP3', 'DEEP4', 'DEEP5']) expect(text).not.toContain(secret);
    expect(out).toMatchObject({ a: { b: { c: { password: '[redacted]', list: [{ botToken: '[redacted]', ok: 'fine' }] } } }, sessionSaved: true });
    expect((out as { err: { type: string; message: string } }).err).toMatchObject({ type: 'Error', message: 'fetch https://x/cb?access_token=[redacted] failed' });
  });

  it('is bounded in depth and size, and survives cycles', () => {
    const deep: Record<string, unknown> = {};
    let node = deep;
    for (let i = 0; i < 50; i++) node = (node.next = {}) as Record<string, unknown>;
    expect(JSON.stringify(redactDeep(deep, { maxDepth: 5 }))).toContain('[truncated]');
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(redactDeep(cyclic)).toEqual({ name: 'x', self: '[circular]' });
    const wide = Array.from({ length: 5000 }, (_, i) => ({ i }));
    expect(JSON.stringify(redactDeep(wide, { maxNodes: 100 }))).toContain('[truncated]');
  });

  it('names secret keys, not look-alikes', () => {
    for (const key of ['password', 'smtp_password', 'accessToken', 'refresh_token', 'clientSecret', 'apiKey', 'x-api-key', 'authorization', 'cookie', 'authData', 'storageState']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['tokenCount', 'sessionSaved', 'username', 'code', 'state', 'passwordChangedAt']) expect(isSecretKey(key), key).toBe(false);
  });
});
