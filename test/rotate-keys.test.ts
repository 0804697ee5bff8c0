/**
 * `npm run rotate-keys` on an embedded PGlite of its own (exact counts, no other test's rows): rows written under
 * the old key (v1 envelopes and v2 ones) are re-encrypted to v2 under the new key and then open with the new key
 * alone; a value no configured key opens is reported by id and left untouched; a second run changes nothing; the
 * command itself (a child process, as in the image) prints counts, never a secret, and exits 0 only when all is done.
 */
import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson, envelopeKeyId, keyringOf, secretBindings } from '../crypto/secrets.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { contents, models, platformAccounts, platforms, publications } from '../db/schema.js';
import { capabilitiesFor } from '../core/platforms.js';
import { defaultDistributionRules } from '../core/types.js';
import { rotateSecrets, verifySecrets } from '../scripts/rotate-keys.js';

const execFileAsync = promisify(execFile);
const [oldKey, newKey, strayKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const oldRing = keyringOf([oldKey]);
const rotating = keyringOf([newKey, oldKey]);
const onlyNew = keyringOf([newKey]);

function legacyV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

const dir = mkdtempSync(join(tmpdir(), 'rotate-keys-'));
let handle: DbHandle;
const ids = { v1: randomUUID(), v2: randomUUID(), stray: randomUUID(), publication: randomUUID() };
const secrets = {
  v1: { cookies: [{ name: 's', value: 'v1-session-SECRET-aaa' }], origins: [] },
  v2: { accessToken: 'v2-token-SECRET-bbb' },
  proxy: { url: 'http://user:proxy-SECRET-ccc@127.0.0.1:8080' },
  progress: { publishId: 'progress-SECRET-ddd' },
};

const account = async (id: string) => (await handle.db.select().from(platformAccounts).where(eq(platformAccounts.id, id)))[0]!;

beforeAll(async () => {
  handle = await openDatabase({ pgliteDir: join(dir, 'pglite') });
  const db = handle.db;
  const [platform] = await db.insert(platforms).values({ name: 'rotate', capabilities: capabilitiesFor('x'), technicalConfig: { driver: 'x', baseUrl: 'http://127.0.0.1:9' } }).returning();
  const [model] = await db.insert(models).values({ name: 'Rotación', distribution: defaultDistributionRules }).returning();
  const base = { modelId: model!.id, platformId: platform!.id, sessionSaved: true };
  await db.insert(platformAccounts).values([
    { ...base, id: ids.v1, username: 'v1', authData: legacyV1(oldKey, secrets.v1), proxyEncrypted: encryptJson(oldRing, secretBindings.accountProxy(ids.v1), secrets.proxy) },
    { ...base, id: ids.v2, username: 'v2', authData: encryptJson(oldRing, secretBindings.accountAuthData(ids.v2), secrets.v2) },
    { ...base, id: ids.stray, username: 'stray', authData: encryptJson(keyringOf([strayKey]), secretBindings.accountAuthData(ids.stray), secrets.v2) },
  ]);
  const contentId = randomUUID();
  await db.insert(contents).values({ id: contentId, modelId: model!.id, filePath: '/nowhere.mp4', sentBy: 'test', status: 'approved' });
  await db.insert(publications).values({
    id: ids.publication, contentId, accountId: ids.v2, status: 'processing', idempotencyMarker: 'm',
    driverProgress: encryptJson(oldRing, secretBindings.publicationDriverProgress(ids.publication), secrets.progress),
  });
}, 120_000);

afterAll(async () => {
  await handle?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('rotate-keys', () => {
  it('re-encrypts v1 and old-key v2 values under the new key; then the new key alone opens them', async () => {
    const strayBefore = (await account(ids.stray)).authData;
    const reports = await rotateSecrets(handle.db, rotating, { batch: 2 });
    expect(reports.map((r) => [r.column, r.scanned, r.rotated, r.alreadyCurrent, r.failures])).toEqual([
      ['platform_accounts.auth_data', 3, 2, 0, [{ id: ids.stray, reason: 'unknown_key' }]],
      ['platform_accounts.proxy_encrypted', 1, 1, 0, []],
      ['publications.driver_progress', 1, 1, 0, []],
      // Stream sources' tokens and cursor rotate the same way (none stored in this database).
      ['stream_sources.events_token_encrypted', 0, 0, 0, []],
      ['stream_sources.stats_token_encrypted', 0, 0, 0, []],
      ['stream_sources.events_next_url_encrypted', 0, 0, 0, []],
    ]);

    const v1 = await account(ids.v1);
    const v2 = await account(ids.v2);
    const [publication] = await handle.db.select().from(publications).where(eq(publications.id, ids.publication));
    for (const value of [v1.authData, v1.proxyEncrypted, v2.authData, publication!.driverProgress]) expect(envelopeKeyId(value!)).toBe(onlyNew.current.id);
    expect(decryptJson(onlyNew, secretBindings.accountAuthData(ids.v1), v1.authData!)).toEqual(secrets.v1);
    expect(decryptJson(onlyNew, secretBindings.accountProxy(ids.v1), v1.proxyEncrypted!)).toEqual(secrets.proxy);
    expect(decryptJson(onlyNew, secretBindings.accountAuthData(ids.v2), v2.authData!)).toEqual(secrets.v2);
    expect(decryptJson(onlyNew, secretBindings.publicationDriverProgress(ids.publication), publication!.driverProgress!)).toEqual(secrets.progress);
    // The value no key opens is reported, never overwritten.
    expect((await account(ids.stray)).authData).toBe(strayBefore);

    const verified = await verifySecrets(handle.db, rotating);
    expect(verified.map((v) => [v.column, v.checked, v.failures.map((f) => f.id)])).toEqual([
      ['platform_accounts.auth_data', 3, [ids.stray]],
      ['platform_accounts.proxy_encrypted', 1, []],
      ['publications.driver_progress', 1, []],
      ['stream_sources.events_token_encrypted', 0, []],
      ['stream_sources.stats_token_encrypted', 0, []],
      ['stream_sources.events_next_url_encrypted', 0, []],
    ]);
  });

  it('is idempotent: a second run re-encrypts nothing', async () => {
    const before = (await account(ids.v1)).authData;
    const again = await rotateSecrets(handle.db, rotating);
    expect(again.map((r) => [r.rotated, r.alreadyCurrent])).toEqual([[0, 2], [0, 1], [0, 1], [0, 0], [0, 0], [0, 0]]);
    expect((await account(ids.v1)).authData).toBe(before);
  });

  it('the command prints counts and no secret, and exits 0 once every value is under the new key', async () => {
    await handle.db.update(platformAccounts).set({ authData: null }).where(eq(platformAccounts.id, ids.stray));
    await handle.close();
    const newest = randomBytes(32);
    // Embedded PGlite of this test: no DATABASE_URL inherited.
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent',
      AUTH_ENCRYPTION_KEYS: `${newest.toString('base64')},${newKey.toString('base64')}`,
    };
    delete env.DATABASE_URL;
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'scripts/rotate-keys.ts', '--batch', '1'], { env, timeout: 120_000 });
    expect(stdout).toContain('platform_accounts.auth_data: 2 values, 2 re-encrypted');
    expect(stdout).toContain('verify publications.driver_progress: 1/1 open');
    expect(stdout).toContain('done:');
    expect(stdout).not.toMatch(/SECRET/);
    expect(stdout).not.toContain(newest.toString('base64'));

    handle = await openDatabase({ pgliteDir: join(dir, 'pglite') });
    const v1 = await account(ids.v1);
    expect(decryptJson(keyringOf([newest]), secretBindings.accountAuthData(ids.v1), v1.authData!)).toEqual(secrets.v1);
  });
});
