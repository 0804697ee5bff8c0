/** A model of its own with logged-in accounts on the stack's demo platform, for the repost tests. */
import { eq } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDistributionRules } from '../../core/types.js';
import { encryptJson, secretBindings } from '../../crypto/secrets.js';
import { models, platformAccounts, platforms } from '../../db/schema.js';
import { loginToDemo } from '../../scripts/seed.js';
import { publicationOf } from './lifecycle.js';
import { makeTestVideo } from './media.js';
import { uploadVideo, type TestStack } from './stack.js';

/** A model that posts as soon as possible (no spacing, a cap nobody reaches), named `<prefix> <run>`. */
export async function repostModel(stack: TestStack, prefix: string, run: string): Promise<string> {
  const [model] = await stack.app.db.db.insert(models).values({
    name: `${prefix} ${run}`,
    distribution: { ...defaultDistributionRules, minSpacingMinutes: 0, maxPostsPerDay: 500, hashtags: ['webcam'] },
  }).returning();
  return model!.id;
}

/** A demo-platform user `<name>_<run>` and the model's account for it, logged in (encrypted session), in `status`. */
export async function demoAccount(stack: TestStack, modelId: string, username: string, status: 'active' | 'paused'): Promise<string> {
  const db = stack.app.db.db;
  const password = 'repost-password';
  const created = await fetch(`${stack.demo.url}/__admin/users`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password, displayName: username }),
  });
  if (!created.ok) throw new Error(`demo user ${username}: HTTP ${created.status}`);
  const [platform] = await db.select().from(platforms).where(eq(platforms.name, 'demo'));
  const id = randomUUID();
  const authData = encryptJson(stack.app.config.keyring, secretBindings.accountAuthData(id), await loginToDemo(stack.demo.url, username, password));
  await db.insert(platformAccounts).values({
    id, modelId, platformId: platform!.id, username, profileUrl: `${stack.demo.url}/u/${username}`, authData, sessionSaved: true,
    lastAuthenticatedAt: new Date(), status, trackingCode: randomBytes(5).toString('hex'),
  });
  return id;
}

export async function setAccountStatus(stack: TestStack, accountId: string, status: 'active' | 'paused') {
  await stack.app.db.db.update(platformAccounts).set({ status }).where(eq(platformAccounts.id, accountId));
}

/** Published, and its workflow closed (the closing metrics read saves the session back, which must not race the next post). */
export async function publishedAndSettled(stack: TestStack, contentId: string) {
  const publication = await publicationOf(stack, contentId, ['published'], 150_000);
  await stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  return publication;
}

/** Uploads a fresh clip for the model through the API; its id and bytes. */
export async function uploadFreshClip(stack: TestStack, modelId: string, context: string) {
  const video = readFileSync(await makeTestVideo(join(stack.dataDir, `${randomUUID()}.mp4`)));
  const created = await uploadVideo(stack, { modelId, context, file: { data: video, name: 'clip.mp4' } });
  if (created.status !== 202) throw new Error(`upload: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id as string, video };
}
