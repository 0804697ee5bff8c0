// One account whose encrypted proxy cannot be read (altered, or copied from another row) flags that account only:
// GET /api/accounts still answers 200 with the others intact, and the unreadable one is logged by id (no value).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../config.js';
import type { AccountList } from '../../contracts/api/accounts.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import { encryptJson, secretBindings } from '../../crypto/secrets.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { models, platformAccounts, platforms } from '../../db/schema.js';
import type { ApiDeps } from '../plugins/deps.js';
import { buildApi } from '../server.js';

const token = 'secrets-test-token-0123456789';
const logged: string[] = [];
let dataDir: string;
let handle: DbHandle;
let app: FastifyInstance;
let config: AppConfig;
const tag = randomBytes(4).toString('hex');
const ids = [randomUUID(), randomUUID(), randomUUID()] as const;
let modelId: string;
let platformId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'trafico-account-secrets-'));
  config = loadConfig({
    DATA_DIR: dataDir, DATABASE_URL: inject('databaseUrl'), API_TOKEN: token, ADMIN_PASSWORD: 'secrets-admin-pw',
    SESSION_SECRET: 'secrets-session-secret-0123456789abcdef', AUTH_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
  });
  handle = await openDatabase({ databaseUrl: config.databaseUrl });
  const sink = new Writable({ write(chunk, _enc, done) { logged.push(String(chunk)); done(); } });
  app = await buildApi({ db: handle.db, temporal: {} as ApiDeps['temporal'], config, log: pino({ level: 'warn' }, sink) });
  await app.ready();
  const [platform] = await handle.db.insert(platforms)
    .values({ name: `secrets-${tag}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' } }).returning();
  const [model] = await handle.db.insert(models).values({ name: `Secretos ${tag}`, distribution: defaultDistributionRules }).returning();
  platformId = platform!.id;
  modelId = model!.id;
  await handle.db.insert(platformAccounts).values(ids.map((id, i) => ({
    id, modelId, platformId, username: `acct${i}`,
    proxyEncrypted: encryptJson(config.keyring, secretBindings.accountProxy(id), { url: `http://user:pw-${i}@proxy${i}.example:8080` }),
  })));
});

afterAll(async () => {
  await handle?.db.delete(platformAccounts).where(inArray(platformAccounts.id, [...ids]));
  await handle?.db.delete(models).where(eq(models.id, modelId));
  await handle?.db.delete(platforms).where(eq(platforms.id, platformId));
  await app?.close();
  await handle?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function list(): Promise<AccountList> {
  const res = await app.inject({ url: `/api/accounts?modelId=${modelId}`, headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const proxies = (page: AccountList) => Object.fromEntries(page.items.map((a) => [a.username, a.browserProfile]));

describe('GET /api/accounts with an undecryptable secret', () => {
  it('flags only the account whose proxy cannot be read; the list and the other accounts stay intact', async () => {
    expect(proxies(await list())).toEqual({
      acct0: { proxy: 'http://proxy0.example:8080' }, acct1: { proxy: 'http://proxy1.example:8080' }, acct2: { proxy: 'http://proxy2.example:8080' },
    });

    // Account 1 gets account 0's ciphertext (bound to row 0: does not open here); account 2 gets corrupted bytes.
    const [row0] = await handle.db.select().from(platformAccounts).where(eq(platformAccounts.id, ids[0]));
    await handle.db.update(platformAccounts).set({ proxyEncrypted: row0!.proxyEncrypted }).where(eq(platformAccounts.id, ids[1]));
    await handle.db.update(platformAccounts).set({ proxyEncrypted: 'v2.deadbeef.AAAA.BBBB.CCCC' }).where(eq(platformAccounts.id, ids[2]));

    expect(proxies(await list())).toEqual({
      acct0: { proxy: 'http://proxy0.example:8080' },
      acct1: { proxy: null, proxyError: 'undecryptable' },
      acct2: { proxy: null, proxyError: 'undecryptable' },
    });
    const warnings = logged.filter((line) => line.includes('proxy cannot be decrypted'));
    expect(warnings.some((line) => line.includes(ids[1]) && line.includes('authentication_failed'))).toBe(true);
    expect(warnings.some((line) => line.includes(ids[2]) && line.includes('unknown_key'))).toBe(true);
    expect(logged.join('')).not.toContain('pw-0');
  });
});
