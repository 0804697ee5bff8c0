/**
 * A studio set up only through the console's API — a model from a regional preset, an account on the
 * demo platform, its session from a password login — publishes a video end to end: no seed row is
 * involved but the demo platform's own record.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestVideo } from './helpers/media.js';
import { getJson, startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
});
afterAll(async () => {
  await stack?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('a model created through the API', () => {
  it('publishes on the demo platform', async () => {
    const username = `valentina_${randomBytes(3).toString('hex')}`;
    const password = 'valentina-demo-password';
    const demoUser = await fetch(`${stack.demo.url}/__admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, displayName: 'Valentina' }),
    });
    expect(demoUser.status).toBe(200);

    const { items: platforms } = await getJson<{ items: { id: string; name: string }[] }>(stack, '/api/platforms');
    const demo = platforms.find((p) => p.name === 'demo')!;
    expect(demo).toBeDefined();

    // From the Colombian preset, posting as soon as possible so the test need not wait for prime time.
    const name = `Valentina ${randomBytes(4).toString('hex')}`;
    const model = await call('POST', '/api/models', {
      name,
      preset: 'CO',
      distribution: { slots: [], approvalRequired: false, linkPlacement: 'start' },
    });
    expect(model.status).toBe(201);
    expect(model.body.distribution.timezone).toBe('America/Bogota');
    expect(model.body.distribution.language).toBe('es');
    const modelId = model.body.id as string;

    const account = await call('POST', '/api/accounts', { modelId, platformId: demo.id, username: `@${username}` });
    expect(account.status).toBe(201);
    const trackingUrl = account.body.trackingUrl as string;
    expect(trackingUrl).toMatch(/\/t\/[0-9a-f]{10}$/);
    expect(account.body.username).toBe(username);
    const accountId = account.body.id as string;

    const login = await call('POST', `/api/accounts/${accountId}/login`, { password });
    expect(login.status).toBe(200);
    expect(login.body.state).toBe('logged_in');

    const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'console.mp4')));
    const context = 'Primera prueba desde la consola';
    const upload = await uploadVideo(stack, { modelId, context, file: { data: video, name: 'clip.mp4' } });
    expect(upload.status).toBe(202);
    const contentId = upload.body.id as string;

    const publication = await waitFor(
      async () => {
        const { items } = await getJson<{ items: Record<string, any>[] }>(stack, `/api/publications?contentId=${contentId}`);
        const p = items[0];
        if (p?.status === 'failed') throw new Error(`publication failed: ${p.lastError}`);
        return p?.status === 'published' ? p : undefined;
      },
      { what: 'the publication to be published', timeoutMs: 150_000 },
    );
    expect(publication.accountUsername).toBe(username);
    expect(publication.modelName).toBe(name);

    // On the platform, under the new account, once.
    const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; username: string; caption: string }[] };
    const ours = posts.filter((p) => p.id === publication.externalId);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.username).toBe(username);
    expect(ours[0]!.caption).toContain(context);
    // Link placement `start`: the tracking link is the caption's first line, the marker its last.
    // …the post's own link: the account's link plus the publication's ref (the marker's id).
    const marker = publication.caption.split('\n').at(-1) as string;
    expect(publication.caption.split('\n')[0]).toBe(`${trackingUrl}/${marker.slice('ref:'.length)}`);
    expect(publication.caption.split('\n').at(-1)).toMatch(/^ref:[0-9a-f]{12}$/);
    const listed = await call('GET', `/api/models?q=${encodeURIComponent(name)}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: modelId, accountCount: 1, lastPublishedAt: expect.any(String) })]);
    await stack.app.temporal.workflow.getHandle(publication.workflowId as string).result();
  });
});
