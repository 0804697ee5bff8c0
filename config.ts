/**
 * All configuration comes from the environment (README "Configuration"). For the embedded
 * default, secrets that are not set are generated once into <DATA_DIR>/secrets.json (mode 0600),
 * so a fresh clone runs without any setup and keeps its sessions readable across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defaultLifecycleOptions, defaultMetricsPollOffsetsMs, parseDurationList, type LifecycleOptions } from './core/lifecycle.js';
import { parseKey } from './db/crypto.js';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

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
  // Optional OpenAI-compatible LLM for captions (templates otherwise). Empty values count as unset.
  LLM_BASE_URL: z.preprocess(emptyAsUnset, z.string().url('LLM_BASE_URL must be a URL such as http://127.0.0.1:11434/v1').optional()),
  LLM_MODEL: z.preprocess(emptyAsUnset, z.string().optional()),
  LLM_API_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  LLM_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().positive().max(60_000).default(8000)),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  BROWSER_SLOTS: z.coerce.number().int().min(1).max(32).default(2),
  DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  METRICS_POLL_SCHEDULE: z.string().optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  ACTIVITY_HEARTBEAT_SECONDS: z.coerce.number().positive().default(30),
  DB_ACTIVITY_TIMEOUT_SECONDS: z.coerce.number().positive().default(30),
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
  /** Caption LLM; undefined = templates only. */
  llm?: LlmConfig;
  chromiumPath: string;
  browserSlots: number;
  demoPort: number;
  lifecycle: LifecycleOptions;
  /** A prebuilt workflow bundle (worker/index.ts writeWorkflowBundle); unset = bundle at start. */
  workflowBundlePath?: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

/**
 * An OpenAI-compatible chat completions endpoint (activities/captions/llm.ts). `apiKey` is a
 * non-enumerable property, so JSON/pino/inspect never print it (not even under a path the logger's
 * redact list does not know); read it as `llm.apiKey`. A spread copy (`{ ...llm }`) drops it.
 */
export interface LlmConfig {
  /** e.g. http://127.0.0.1:11434/v1; requests go to `<baseUrl>/chat/completions`. */
  baseUrl: string;
  model: string;
  timeoutMs: number;
  apiKey?: string;
}

export function llmConfig(settings: { baseUrl: string; model: string; timeoutMs: number; apiKey?: string }): LlmConfig {
  const { apiKey, ...visible } = settings;
  const llm: LlmConfig = { ...visible };
  if (apiKey) Object.defineProperty(llm, 'apiKey', { value: apiKey, enumerable: false, writable: false });
  return llm;
}

function llmFromEnv(e: { LLM_BASE_URL?: string; LLM_MODEL?: string; LLM_API_KEY?: string; LLM_TIMEOUT_MS: number }): LlmConfig | undefined {
  if (!e.LLM_BASE_URL && !e.LLM_MODEL) return undefined;
  if (!e.LLM_BASE_URL || !e.LLM_MODEL) {
    throw new Error(`Invalid configuration:\n  ${e.LLM_BASE_URL ? 'LLM_MODEL' : 'LLM_BASE_URL'}: required when ${e.LLM_BASE_URL ? 'LLM_BASE_URL' : 'LLM_MODEL'} is set`);
  }
  return llmConfig({ baseUrl: e.LLM_BASE_URL, model: e.LLM_MODEL, timeoutMs: e.LLM_TIMEOUT_MS, apiKey: e.LLM_API_KEY });
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

function parseMetricsSchedule(text: string): number[] {
  try {
    return parseDurationList(text);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  METRICS_POLL_SCHEDULE: ${(error as Error).message}`);
  }
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
    llm: llmFromEnv(e),
    chromiumPath: e.CHROMIUM_PATH,
    browserSlots: e.BROWSER_SLOTS,
    demoPort: e.DEMO_PORT,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    lifecycle: {
      ...defaultLifecycleOptions,
      heartbeatTimeoutMs: e.ACTIVITY_HEARTBEAT_SECONDS * 1000,
      dbActivityTimeoutMs: e.DB_ACTIVITY_TIMEOUT_SECONDS * 1000,
      metricsPollOffsetsMs: e.METRICS_POLL_SCHEDULE ? parseMetricsSchedule(e.METRICS_POLL_SCHEDULE) : defaultMetricsPollOffsetsMs,
    },
    logLevel: e.LOG_LEVEL,
  };
}
