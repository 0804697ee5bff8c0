import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, postCounters } from './counters.js';
import { startDemoPlatform, type DemoPlatform } from './server.js';
import {
  fakeMp4,
  form,
  hiddenValue,
  login as loginAs,
  request,
  uploadBody,
  type Jar,
  type RequestOptions,
} from './test-client.js';

const SEED = 7;
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
let clock = T0;
let dataDir: string;
let platform: DemoPlatform;

function req(path: string, init: RequestOptions = {}): Promise<Response> {
  return request(platform.url, path, init);
}

function metric(html: string, name: string): { text: string; exact: number } {
  const m = new RegExp(`<span class="metric" data-metric="${name}" title="(\\d+)">([^<]*)</span>`).exec(html);
  if (!m) throw new Error(`no metric ${name}`);
  return { exact: Number(m[1]), text: m[2]! };
}

function login(jar: Jar, password?: string, next?: string): Promise<Response> {
  return loginAs(platform.url, jar, password, next);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'demo-platform-'));
  platform = await startDemoPlatform({ port: 0, dataDir, seed: SEED, now: () => clock });
});

afterAll(async () => {
  await platform?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('counters', () => {
  it('abbreviates like real sites', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1K');
    expect(formatCount(1299)).toBe('1.2K');
    expect(formatCount(999_999)).toBe('999.9K');
    expect(formatCount(3_456_789)).toBe('3.4M');
  });

  it('is deterministic and grows with time', () => {
    const post = { id: 'abcdefghij', createdAt: T0 };
    const a = postCounters(SEED, post, T0);
    expect(postCounters(SEED, post, T0)).toEqual(a);
    expect(a.views).toBeGreaterThanOrEqual(50);
    expect(a.views).toBeLessThanOrEqual(500);
    const later = postCounters(SEED, post, T0 + 60 * 60_000);
    expect(later.views - a.views).toBeGreaterThanOrEqual(20 * 60 - 1);
    expect(later.views - a.views).toBeLessThanOrEqual(200 * 60 + 1);
    expect(later.likes).toBeGreaterThanOrEqual(a.likes);
  });
});

describe('demo platform', () => {
  const jar: Jar = new Map();
  let postId = '';
  const caption = 'Hola <b>mundo</b> & amigos\nsegunda línea #demo';

  it('creates users idempotently and validates the body', async () => {
    const body = JSON.stringify({ username: 'Modelo_Demo', password: 'secreto-123', displayName: 'Modelo Demo' });
    for (let i = 0; i < 2; i++) {
      const res = await req('/__admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ username: 'modelo_demo' });
    }
    const bad = await req('/__admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x y', password: '' }),
    });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { error: string };
    expect(err.error).toMatch(/username/);
    expect(err.error).toMatch(/password/);
  });

  it('rejects a login whose CSRF token does not match the cookie', async () => {
    const own: Jar = new Map();
    const page = await req('/login', { jar: own });
    expect(page.status).toBe(200);
    expect(own.has('demo_csrf')).toBe(true);
    const res = await req('/login', { ...form({ csrf: 'forged-token', username: 'modelo_demo', password: 'secreto-123' }), jar: own });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Token CSRF inválido');
    expect(own.has('demo_session')).toBe(false);
  });

  it('rejects a wrong password with 401 and the form again', async () => {
    const own: Jar = new Map();
    const res = await login(own, 'wrong');
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Usuario o contraseña incorrectos');
    expect(html).toContain('id="login-submit"');
    expect(own.has('demo_session')).toBe(false);
  });

  it('logs in with a session cookie and redirects to /upload', async () => {
    const res = await login(jar);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/upload');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('demo_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(jar.get('demo_session')).toBeTruthy();
  });

  it('honours only local next= targets', async () => {
    const own: Jar = new Map();
    const local = await login(own, 'secreto-123', '/posts');
    expect(local.headers.get('location')).toBe('/posts');
    expect(await (await req('/login?next=/posts')).text()).toContain('<input type="hidden" name="next" value="/posts">');
    expect(await (await req('/login?next=//evil.example/x')).text()).not.toContain('name="next"');
    const evil: Jar = new Map();
    const res = await login(evil, 'secreto-123', '//evil.example/x');
    expect(res.headers.get('location')).toBe('/upload');
  });

  it('redirects auth pages to /login without a session', async () => {
    const res = await req('/upload');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?next=%2Fupload');
    expect((await req('/posts')).headers.get('location')).toBe('/login?next=%2Fposts');
    expect((await req('/')).headers.get('location')).toBe('/login');
  });

  it('shows the logged-in marker on /upload', async () => {
    const res = await req('/upload', { jar });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a id="account-menu" data-username="modelo_demo" href="/u/modelo_demo"');
    expect(html).toContain('id="publish"');
    expect((await req('/', { jar })).headers.get('location')).toBe('/upload');
  });

  it('refuses an upload with a wrong CSRF token', async () => {
    const res = await req('/upload', { method: 'POST', body: uploadBody('nope', 'x', fakeMp4()), jar });
    expect(res.status).toBe(403);
  });

  it('refuses a file that is not a video', async () => {
    const csrf = hiddenValue(await (await req('/upload', { jar })).text(), 'csrf');
    const notVideo = new Blob(['this is plain text, not a video at all'], { type: 'video/mp4' });
    const res = await req('/upload', { method: 'POST', body: uploadBody(csrf, 'x', notVideo), jar });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('El archivo no es un vídeo');
  });

  it('publishes a video and redirects to the post', async () => {
    const csrf = hiddenValue(await (await req('/upload', { jar })).text(), 'csrf');
    const res = await req('/upload', { method: 'POST', body: uploadBody(csrf, caption, fakeMp4()), jar });
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/p\/[a-z0-9]{10}$/);
    postId = location.slice(3);
  });

  it('shows the post with its caption and exact counters', async () => {
    clock = T0 + 90 * 60_000; // 90 minutes later
    const html = await (await req(`/p/${postId}`)).text();
    expect(html).toContain(`<article class="post card" data-post-id="${postId}">`);
    expect(html).toContain('<p class="caption">Hola &lt;b&gt;mundo&lt;/b&gt; &amp; amigos\nsegunda línea #demo</p>');
    expect(html).toContain(`<video controls preload="metadata" src="/media/${postId}">`);
    const expected = postCounters(SEED, { id: postId, createdAt: T0 }, clock);
    for (const name of ['views', 'likes', 'comments'] as const) {
      const m = metric(html, name);
      expect(m.exact).toBe(expected[name]);
      expect(m.text).toBe(formatCount(expected[name]));
    }
    expect(html).not.toContain('id="account-menu"'); // public page, anonymous visitor
  });

  it('lists exactly one post in /__admin/posts', async () => {
    const body = (await (await req('/__admin/posts')).json()) as {
      posts: Array<{ id: string; url: string; createdAt: string; views: number; caption: string }>;
    };
    expect(body.posts).toHaveLength(1);
    const [post] = body.posts;
    expect(post!.id).toBe(postId);
    expect(post!.url).toBe(`${platform.url}/p/${postId}`);
    expect(post!.createdAt).toBe(new Date(T0).toISOString());
    expect(post!.caption).toBe(caption);
    expect(post!.views).toBe(postCounters(SEED, { id: postId, createdAt: T0 }, clock).views);
  });

  it('serves the media with ranges, the own-posts list and the profile', async () => {
    const media = await req(`/media/${postId}`);
    expect(media.headers.get('content-type')).toBe('video/mp4');
    expect((await media.arrayBuffer()).byteLength).toBe(12 + 4096);
    const part = await req(`/media/${postId}`, { headers: { range: 'bytes=4-7' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('ftyp');

    const posts = await (await req('/posts', { jar })).text();
    expect(posts).toContain(`href="/p/${postId}"`);
    const profile = await (await req('/u/modelo_demo')).text();
    expect(profile).toContain('data-metric="followers"');
    expect(profile).toContain(`href="/p/${postId}"`);
    expect((await req('/p/doesnotexist')).status).toBe(404);
  });

  it('keeps the session and posts after a restart on the same dataDir', async () => {
    await platform.close();
    platform = await startDemoPlatform({ port: 0, dataDir, seed: SEED, now: () => clock });
    const res = await req('/upload', { jar });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-username="modelo_demo"');
    expect((await req(`/p/${postId}`)).status).toBe(200);
  });

  it('logs out and the old cookie stops working', async () => {
    const stale: Jar = new Map(jar);
    const res = await req('/logout', { method: 'POST', jar });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    expect(jar.has('demo_session')).toBe(false);
    const again = await req('/upload', { jar: stale });
    expect(again.status).toBe(302);
    // A cookie the site no longer accepts reads as an expired session, not as a new visitor.
    expect(again.headers.get('location')).toBe('/login?next=%2Fupload&reason=session_expired');
    const loginPage = await (await req(again.headers.get('location')!, { jar: stale })).text();
    expect(loginPage).toContain('id="session-expired"');
    expect(loginPage).toContain('id="login-submit"');
  });
});
