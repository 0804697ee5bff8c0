/**
 * Entry point for every role: `tsx main.ts all|worker|web|bot` (or `node dist/main.js ROLE`).
 * The same code and configuration run as one process (embedded default) or as separate
 * containers (docker-compose.yml).
 */
import { pino, type Logger } from 'pino';
import { pathToFileURL } from 'node:url';
import { loadConfig, type AppConfig } from './config.js';
import { openDatabase, type DbHandle } from './db/client.js';
import { BrowserRuntime } from './activities/publishing/browser.js';
import { ensureSessionHealthSchedule } from './services/sessions.js';
import { ensureClickRetentionSchedule } from './services/click-retention.js';
import { registerApiPlatforms } from './services/platforms.js';
import { startWorkers, type RunningWorkers } from './worker/index.js';
import { buildApi } from './api/server.js';
import { createTelegramBot, type TelegramBot } from './bot/index.js';
import { connectTemporal, ensureSearchAttributes } from './services/temporal.js';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';

export const roles = ['all', 'worker', 'web', 'bot'] as const;
export type Role = (typeof roles)[number];

export interface RunningApp {
  config: AppConfig;
  db: DbHandle;
  temporal: Client;
  api?: FastifyInstance;
  /** Base URL of the API/dashboard when the web role runs. */
  url?: string;
  workers?: RunningWorkers;
  /** The Telegram bot (roles all and bot when TELEGRAM_BOT_TOKEN is set; web only serves its webhook). */
  bot?: TelegramBot;
  /** Start-up has finished: /healthz stops answering 503 `starting`. startApp calls it unless told `deferReady`. */
  markReady(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The caller has more start-up work after startApp (scripts/dev.ts seeds the demo) and calls `markReady()` itself. */
  deferReady?: boolean;
}

export function createLogger(config: Pick<AppConfig, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    // Secrets must never reach logs, whatever a future log line passes in.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'authData', 'password', 'apiToken', 'apiKey', '*.authData', '*.password', '*.apiKey', 'token', '*.token', 'secret', '*.secret'],
  });
}

export async function startApp(config: AppConfig, role: Role, log: Logger = createLogger(config), options: StartOptions = {}): Promise<RunningApp> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: `${config.dataDir}/pglite` });
  log.info({ kind: db.kind }, 'database ready (migrations applied)');
  await registerApiPlatforms(db.db, config);
  const temporal = await connectTemporal(config.temporal.address, config.temporal.namespace);
  await ensureSearchAttributes(temporal);

  const app: RunningApp = {
    config,
    db,
    temporal,
    markReady() {
      app.api?.readiness.markReady();
    },
    async close() {
      // The bot first: it submits the videos still gathering while the database and Temporal are up.
      await app.bot?.stop();
      await app.api?.close();
      await app.workers?.shutdown();
      await temporal.connection.close();
      await db.close();
    },
  };
  try {
    if (role === 'all' || role === 'worker') {
      const browser = new BrowserRuntime({
        chromiumPath: config.chromiumPath, slots: config.browserSlots, encryptionKey: config.encryptionKey, db: db.db, log,
        waitTimeoutMs: config.browser.waitTimeoutMs, lockTimeoutMs: config.browser.lockTimeoutMs,
        // PGlite is one connection in one process: the in-process lock is the whole story there.
        crossProcessLock: db.kind === 'postgres',
      });
      app.workers = await startWorkers({ db: db.db, config, log, browser }, { address: config.temporal.address, namespace: config.temporal.namespace });
      app.workers.done.catch((error: Error) => log.fatal({ err: error }, 'a worker stopped unexpectedly'));
      log.info({ queues: app.workers.queues }, 'workers running');
      if (config.sessionCheckIntervalMs > 0) await ensureSessionHealthSchedule(temporal, config.sessionCheckIntervalMs, config.lifecycle);
      await ensureClickRetentionSchedule(temporal, config.traffic.clickRetentionDays, config.lifecycle);
    }
    const runsBot = role === 'all' || role === 'bot';
    if (config.telegram.token && (runsBot || (role === 'web' && config.telegram.webhook))) {
      app.bot = createTelegramBot({ db: db.db, temporal, config, log: log.child({ component: 'bot' }) });
    }
    if (role === 'all' || role === 'web') {
      app.api = await buildApi({
        db: db.db, temporal, config, log,
        telegramWebhook: app.bot && config.telegram.webhook ? (update) => app.bot!.handleWebhookUpdate(update) : undefined,
      });
      const address = await app.api.listen({ host: config.http.host, port: config.http.port });
      app.url = config.http.port === 0 ? address : config.http.publicUrl;
    }
    if (runsBot && app.bot) {
      // Long polling, or (TELEGRAM_WEBHOOK_URL) registering the webhook the web role serves; plus the notifier.
      const starting = app.bot.start({ poll: !config.telegram.webhook, notify: true });
      if (role === 'bot') await starting;
      else {
        // Embedded: the rest of the product runs even when Telegram cannot be reached or refuses the token.
        await starting.catch((error: Error) => log.error({ error: error.message }, 'Telegram bot not started; fix TELEGRAM_* and restart'));
      }
    } else if (role === 'bot') {
      log.warn('bot role: TELEGRAM_BOT_TOKEN is not set; idling');
    }
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  if (!options.deferReady) app.markReady();
  return app;
}

async function cli() {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!roles.includes(role)) {
    console.error(`usage: main.ts ${roles.join('|')}`);
    process.exit(2);
  }
  const config = loadConfig();
  const log = createLogger(config);
  const app = await startApp(config, role, log);
  if (app.url) log.info(`dashboard and API on ${app.url}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
