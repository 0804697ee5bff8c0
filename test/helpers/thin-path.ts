/**
 * The end-to-end path of the walking skeleton, asserted step by step: upload → content workflow →
 * ingest → caption → auto-approve → publication workflow → Chromium posts on the demo platform →
 * metrics row. Shared by the PostgreSQL and the embedded (PGlite) tests.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { metricsOfPublication } from '../../db/publications.js';
import { makeTestVideo } from './media.js';
import { getJson, uploadVideo, type TestStack } from './stack.js';
import { waitFor } from './wait.js';

interface PublicationJson {
  id: string; status: string; postUrl: string | null; externalId: string | null; scheduledTime: string | null;
  publishedAt: string | null; attempts: number; lastError: string | null; workflowId: string; caption: string;
}

export async function publishOneVideo(stack: TestStack, context: string) {
  const videoPath = await makeTestVideo(join(stack.dataDir, 'upload.mp4'));
  const video = readFileSync(videoPath);
  const started = Date.now();

  const created = await uploadVideo(stack, { modelId: stack.seeded.modelId, context, file: { data: video, name: 'clip.mp4' } });
  expect(created.status).toBe(202);
  const contentId = created.body.id as string;
  expect(created.body.workflowId).toBe(`content-${contentId}`);

  const publication = await waitFor(
    async () => {
      const { items } = await getJson<{ items: PublicationJson[] }>(stack, `/api/publications?contentId=${contentId}`);
      const p = items[0];
      if (p?.status === 'failed') throw new Error(`publication failed: ${p.lastError}`);
      return p?.status === 'published' ? p : undefined;
    },
    { what: 'the publication to be published', timeoutMs: 150_000 },
  );
  const elapsedMs = Date.now() - started;

  // The API reports what the admin needs.
  expect(publication.postUrl).toMatch(new RegExp(`^${stack.demo.url}/p/[a-z0-9]+$`));
  expect(publication.scheduledTime).not.toBeNull();
  expect(publication.publishedAt).not.toBeNull();
  expect(publication.attempts).toBe(1);
  expect(publication.lastError).toBeNull();

  // Ingest: stored under media/<id>, hashed, probed, thumbnailed.
  const content = await getJson<Record<string, any>>(stack, `/api/contents/${contentId}`);
  expect(content.status).toBe('approved');
  expect(content.sha256).toBe(createHash('sha256').update(video).digest('hex'));
  expect(content.media).toMatchObject({ width: 360, height: 640, codec: 'h264' });
  expect(content.media.durationSeconds).toBeCloseTo(3, 0);
  expect(content.publications).toHaveLength(1);
  expect(content.caption).toContain(context);
  expect(content.tags).toContain('webcam');
  expect(content.captions.demo.caption).toContain(context);
  expect(publication.caption).toContain('#webcam');
  const stored = join(stack.dataDir, 'media', contentId);
  expect(existsSync(join(stored, 'original.mp4'))).toBe(true);
  expect(existsSync(join(stored, 'thumbnail.jpg'))).toBe(true);
  expect(existsSync(join(stack.dataDir, 'media', 'incoming', 'upload.mp4'))).toBe(false);

  // The post really exists on the platform, once, with our caption and marker.
  const page = await fetch(publication.postUrl!);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain(`data-post-id="${publication.externalId}"`);
  expect(html).toContain(context);
  const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; caption: string }[] };
  const ours = posts.filter((p) => p.caption.includes(publication.caption.split('\n').at(-1)!));
  expect(ours).toHaveLength(1);
  expect(ours[0]!.id).toBe(publication.externalId);

  // One metrics read was stored, read off the post page.
  const metrics = await waitFor(async () => {
    const rows = await metricsOfPublication(stack.app.db.db, publication.id);
    return rows.length > 0 ? rows : undefined;
  }, { what: 'a metrics row' });
  expect(metrics).toHaveLength(1);
  expect(metrics[0]!.source).toBe('scraper:demo');
  expect(metrics[0]!.views).toBeGreaterThan(0);
  expect(metrics[0]!.likes).toBeGreaterThanOrEqual(0);

  return { contentId, publication, elapsedMs };
}
