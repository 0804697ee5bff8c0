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
