// Redaction without a browser: a synthetic trace zip shaped like Playwright's, and HTML and URLs
// with every kind of secret the scrubbers know about.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactUrl, scrubHtml, scrubTraceZip } from './redaction.js';

describe('scrubbing', () => {
  /** A trace zip shaped like Playwright's (trace.network HAR entries, trace.trace events, resources, frames). */
  function syntheticTrace(): Uint8Array {
    const har = {
      type: 'resource-snapshot',
      snapshot: {
        request: {
          method: 'POST',
          url: 'https://site.example/api/login?next=%2Fhome&sig=abcdef123456sig',
          headers: [
            { name: 'Cookie', value: 'sid=cookie-value-123456; theme=dark' },
            { name: 'Authorization', value: 'Bearer auth-token-abcdef' },
            { name: 'Proxy-Authorization', value: 'Basic cHJveHk6cGFzc3dvcmQ=' },
            { name: 'X-CSRF-Token', value: 'csrf-header-777777' },
            { name: 'Accept', value: 'text/html' },
          ],
          cookies: [{ name: 'sid', value: 'cookie-value-123456' }],
          queryString: [{ name: 'next', value: '/home' }, { name: 'sig', value: 'abcdef123456sig' }],
          postData: { mimeType: 'application/x-www-form-urlencoded', text: 'username=ana&password=hunter2-long&csrf=form-csrf-888888' },
        },
        response: {
          status: 302,
          headers: [
            { name: 'Set-Cookie', value: 'sid=new-session-999999; Path=/; HttpOnly' },
            { name: 'Location', value: '/home?token=loc-token-4242' },
            { name: 'Content-Type', value: 'text/html' },
          ],
          cookies: [{ name: 'sid', value: 'new-session-999999' }],
          redirectURL: '/home?token=loc-token-4242',
          content: { _file: 'resources/body.html' },
        },
      },
    };
    const events = [
      { type: 'context-options', options: { viewport: { width: 1, height: 1 }, extraHTTPHeaders: { authorization: 'Bearer auth-token-abcdef' } } },
      { type: 'before', method: 'fill', params: { selector: 'input[name=password]', value: 'hunter2-long' } },
      { type: 'log', message: 'fetch with Bearer auth-token-abcdef and new-session-999999' },
      { type: 'log', message: 'navigated to /home/dashboard' },
      { type: 'frame-snapshot', snapshot: { frameUrl: 'https://site.example/home?session=frame-sess-31337', html: ['HTML', {}, ['BODY', {}, ['INPUT', { type: 'hidden', name: 'tk', value: 'hidden-in-dom-5555' }], ['INPUT', { type: 'hidden', name: 'next', value: '/home/dashboard' }], ['META', { name: 'csrf-token', content: 'meta-csrf-6666' }]]] } },
    ];
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...strToU8('cookie-value-123456'), 0xff, 0xd9]);
    return zipSync({
      'trace.network': strToU8(JSON.stringify(har) + '\n'),
      'trace.trace': strToU8(events.map((e) => JSON.stringify(e)).join('\n') + '\n'),
      'resources/body.html': strToU8('<p>Welcome, your csrf is csrf-header-777777 and token loc-token-4242</p>'),
      'resources/upload.dat': new Uint8Array([0x00, 0xff, 0xfe, ...strToU8('--b\r\nname="csrf"\r\n\r\nform-csrf-888888\r\n--b--'), 0xc3]),
      'screencast/frame-1.jpeg': jpeg,
    });
  }

  it('blanks cookie and auth headers and removes their values from every entry', async () => {
    const entries = unzipSync(await scrubTraceZip(syntheticTrace()));
    const network = JSON.parse(strFromU8(entries['trace.network']!).trim()) as {
      snapshot: { request: { url: string; headers: { name: string; value: string }[]; cookies: { value: string }[]; queryString: { name: string; value: string }[] }; response: { headers: { name: string; value: string }[]; cookies: { value: string }[]; redirectURL: string } };
    };
    const header = (list: { name: string; value: string }[], name: string) => list.find((h) => h.name === name)?.value;
    const { request: req, response: res } = network.snapshot;
    for (const name of ['Cookie', 'Authorization', 'Proxy-Authorization', 'X-CSRF-Token']) expect(header(req.headers, name), name).toBe(REDACTED);
    expect(header(res.headers, 'Set-Cookie')).toBe(REDACTED);
    expect(header(req.headers, 'Accept')).toBe('text/html');
    expect(header(res.headers, 'Content-Type')).toBe('text/html');
    expect(header(res.headers, 'Location')).toBe(`/home?token=${REDACTED}`);
    expect(req.cookies.map((c) => c.value)).toEqual([REDACTED]);
    expect(res.cookies.map((c) => c.value)).toEqual([REDACTED]);
    expect(req.url).toBe(`https://site.example/api/login?next=%2Fhome&sig=${REDACTED}`);
    expect(req.queryString).toEqual([{ name: 'next', value: '/home' }, { name: 'sig', value: REDACTED }]);
    expect(res.redirectURL).toBe(`/home?token=${REDACTED}`);

    const trace = strFromU8(entries['trace.trace']!);
    expect(trace).not.toContain('extraHTTPHeaders');
    // A plain hidden field is blanked where it sits but its value is not hunted down elsewhere.
    expect(trace).toContain('navigated to /home/dashboard');
    expect(trace).toContain(`{"type":"hidden","name":"next","value":"${REDACTED}"}`);
    expect(trace).toContain(`"value":"${REDACTED}"`);

    // The media entry is kept byte for byte; everything else has no trace of any value.
    const original = unzipSync(syntheticTrace());
    expect(entries['screencast/frame-1.jpeg']).toEqual(original['screencast/frame-1.jpeg']);
    const values = ['cookie-value-123456', 'auth-token-abcdef', 'cHJveHk6cGFzc3dvcmQ=', 'csrf-header-777777', 'new-session-999999',
      'loc-token-4242', 'hunter2-long', 'form-csrf-888888', 'hidden-in-dom-5555', 'meta-csrf-6666', 'frame-sess-31337', 'abcdef123456sig'];
    for (const [name, data] of Object.entries(entries)) {
      if (name.endsWith('.jpeg')) continue;
      const bytes = Buffer.from(data);
      for (const value of values) expect(bytes.includes(value), `${value} in ${name}`).toBe(false);
    }
    // Binary bodies keep their non-text bytes around the redaction.
    expect([...entries['resources/upload.dat']!.subarray(0, 3)]).toEqual([0x00, 0xff, 0xfe]);
  });

  it('blanks hidden inputs, password values and CSRF metas in HTML', () => {
    const found: string[][] = [];
    const html = scrubHtml(
      `<meta name="csrf-token" content="meta-1234567"><input value='v-1234567' type="hidden" name="a"><input type=password value=p-1234567><input type="text" name="q" value="visible text">`,
      (name, value) => found.push([name, value]),
    );
    expect(html).toBe(`<meta name="csrf-token" content="${REDACTED}"><input value="${REDACTED}" type="hidden" name="a"><input type=password value="${REDACTED}"><input type="text" name="q" value="visible text">`);
    expect(found).toEqual([['csrf', 'meta-1234567'], ['a', 'v-1234567'], ['password', 'p-1234567']]);
  });

  it('redacts secret-looking query parameters', () => {
    expect(redactUrl('https://u:p@x.example/a?lang=es&csrf_token=1&Session=2&x-sig=3&api_key=4&page=2#access_token=5')).toBe(
      `https://x.example/a?lang=es&csrf_token=${REDACTED}&Session=${REDACTED}&x-sig=${REDACTED}&api_key=${REDACTED}&page=2#access_token=${REDACTED}`,
    );
    expect(redactUrl('about:blank')).toBe('about:blank');
  });
});
