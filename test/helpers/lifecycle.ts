/** Small steps the lifecycle tests share: set a model's rules, upload a fresh clip, call a control, wait for a status. */
import { eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDistributionRules, type DistributionRules } from '../../core/types.js';
import { eventsOf } from '../../db/events.js';
import { models } from '../../db/schema.js';
import { makeTestVideo } from './media.js';
import { getJson, uploadVideo, type TestStack } from './stack.js';
import { waitFor } from './wait.js';

export interface PublicationJson {
  id: string; contentId: string; status: string; postUrl: string | null; externalId: string | null; scheduledTime: string | null;
  attempts: number; lastError: string | null; workflowId: string; caption: string;
}

/** The demo model's rules: as soon as possible, no spacing, plus the patch. */
export async function setModelRules(stack: TestStack, patch: Partial<DistributionRules> = {}) {
  await stack.app.db.db.update(models)
    .set({ distribution: { ...defaultDistributionRules, minSpacingMinutes: 0, maxPostsPerDay: 500, hashtags: ['webcam'], ...patch } })
    .where(eq(models.id, stack.seeded.modelId));
}

/** Rules with one slot twelve hours away, so a new publication waits on its durable timer. */
export const slotFarAway = (): Partial<DistributionRules> => ({
  timezone: 'UTC', slots: [`${String((new Date().getUTCHours() + 12) % 24).padStart(2, '0')}:00`],
});

/** Uploads a fresh clip (never a duplicate) for the demo model. */
export async function uploadClip(stack: TestStack, context: string) {
  const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'clip.mp4')));
  return uploadVideo(stack, { modelId: stack.seeded.modelId, context, file: { data: video, name: 'clip.mp4' } });
}

export async function postJson(stack: TestStack, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Waits for the content's (first) publication to reach one of the statuses; an unexpected failure says why. */
export async function publicationOf(stack: TestStack, contentId: string, statuses: string[], timeoutMs = 90_000) {
  let seen = 'no publication';
  return waitFor(async () => {
    const { items } = await getJson<{ items: PublicationJson[] }>(stack, `/api/publications?contentId=${contentId}`);
    const p = items[0];
    if (p) seen = `${p.status} (attempts ${p.attempts}, last error ${p.lastError ?? 'none'})`;
    if (p?.status === 'failed' && !statuses.includes('failed')) throw new Error(`publication failed: ${p.lastError}`);
    return p && statuses.includes(p.status) ? p : undefined;
  }, { what: `a publication ${statuses.join('/')}`, timeoutMs }).catch(async (error: Error) => {
    const events = await eventsOf(stack.app.db.db, { contentId });
    throw new Error(`${error.message}; last seen: ${seen}; events: ${events.map((e) => `${e.type}(${e.description})`).join(', ')}`);
  });
}
