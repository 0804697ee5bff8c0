/**
 * All configuration comes from the environment (README "Configuration"). For the embedded
 * default, secrets that are not set are generated once into <DATA_DIR>/secrets.json (mode 0600),
 * so a fresh clone runs without any setup and keeps its sessions readable across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseKey } from './db/crypto.js';

const Env = z.object({
  DATA_DIR: z.string().default('data'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  API_TOKEN: z.string().min(16, 'API_TOKEN must be at least 16 characters').optional(),
  ADMIN_PASSWORD: z.string().min(8, 'ADMIN_PASSWORD must be at least 8 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  AUTH_ENCRYPTION_KEY: z.string().optional(),
  MAX_UPLOAD_MB: z.coerce.number().positive().default(500),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  BROWSER_SLOTS: z.coerce.number().int().min(1).max(32).default(2),
  DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface AppConfig {
  dataDir: string;
  mediaDir: string;
  evidenceDir: string;
  databaseUrl?: string;
  temporal: { address: string; namespace: string; uiUrl: string };
  http: { host: string; port: number; publicUrl: string };
  apiToken: string;
  /** Kept only so the embedded runner can print it; never logged elsewhere. */
  adminPassword: string;
  adminPasswordHash: Buffer;
  adminPasswordSalt: Buffer;
  sessionSecret: string;
  encryptionKey: Buffer;
  maxUploadBytes: number;
  chromiumPath: string;
  browserSlots: number;
  demoPort: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

interface LocalSecrets {
  apiToken: string;
  adminPassword: string;
  sessionSecret: string;
  encryptionKey: string;
}

function localSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    apiToken: randomBytes(24).toString('base64url'),
    adminPassword: randomBytes(9).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32);
}

export function passwordMatches(config: Pick<AppConfig, 'adminPasswordHash' | 'adminPasswordSalt'>, candidate: string): boolean {
  return timingSafeEqual(hashPassword(candidate, config.adminPasswordSalt), config.adminPasswordHash);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  const needsLocal = !e.API_TOKEN || !e.ADMIN_PASSWORD || !e.SESSION_SECRET || !e.AUTH_ENCRYPTION_KEY;
  const local = needsLocal ? localSecrets(dataDir) : undefined;
  const adminPassword = e.ADMIN_PASSWORD ?? local!.adminPassword;
  const salt = randomBytes(16);
  return {
    dataDir,
    mediaDir: join(dataDir, 'media'),
    evidenceDir: join(dataDir, 'evidence'),
    databaseUrl: e.DATABASE_URL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    http: { host: e.HOST, port: e.PORT, publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}` },
    apiToken: e.API_TOKEN ?? local!.apiToken,
    adminPassword,
    adminPasswordHash: hashPassword(adminPassword, salt),
    adminPasswordSalt: salt,
    sessionSecret: e.SESSION_SECRET ?? local!.sessionSecret,
    encryptionKey: parseKey(e.AUTH_ENCRYPTION_KEY ?? local!.encryptionKey),
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    chromiumPath: e.CHROMIUM_PATH,
    browserSlots: e.BROWSER_SLOTS,
    demoPort: e.DEMO_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
