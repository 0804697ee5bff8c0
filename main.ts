/**
 * Entry point for every role: `tsx main.ts all|worker|web|bot` (or `node dist/main.js ROLE`).
 * The same code and configuration run as one process (embedded default) or as separate
 * containers (docker-compose.yml).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { redactDeep, scrubSecrets } from './core/redact.js';
import { pathToFileURL } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from './config.js';
import { openDatabase, type DbHandle } from './db/client.js';
import { BrowserRuntime } from './activities/publishing/browser.js';
import { ensureSessionHealthSchedule } from './services/sessions.js';
import { ensureClickRetentionSchedule } from './services/click-retention.js';
import { ensureMediaRetentionSchedule } from './services/media-retention.js';
import { ensureLearnedSlotsSchedule } from './services/learned-slots.js';
import { registerApiPlatforms } from './services/platforms.js';
import { startWorkers, type RunningWorkers } from './worker/index.js';
import { buildApi } from './api/server.js';
import { createTelegramBot, type TelegramBot } from './bot/index.js';
import { createNotifier, type Notifier } from './notify/index.js';
import { connectTemporal, ensureSearchAttributes } from './services/temporal.js';
import { startMetricsServer, type MetricsServer } from './observability/server.js';
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
  /** Alert channels besides Telegram and the report e-mails (roles all and bot, when configured; notify/). */
  notifier?: Notifier;
  /** The worker and bot roles' Prometheus endpoint (METRICS_HOST:METRICS_PORT; the web role serves GET /metrics). */
  metricsServer?: MetricsServer;
  /** Start-up has finished: /healthz stops answering 503 `starting`. startApp calls it unless told `deferReady`. */
  markReady(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The caller has more start-up work after startApp (scripts/dev.ts seeds the demo) and calls `markReady()` itself. */
  deferReady?: boolean;
  /**
   * A part that must run for the process to be of any use stopped on its own (a Temporal worker, the bot's long
   * polling). With this set, startApp closes the app (best effort, bounded) and then calls it: the CLI exits 1 so the
   * supervisor restarts the role. Without it the stop is only logged (tests that start the app in-process).
   */
  onFatal?: (error: unknown) => void;
  /** True once the caller is stopping the app (a signal during start-up): a worker stopping then is expected. */
  stopRequested?: () => boolean;
}

/** How long a fatal stop waits for the rest of the app to close before the process gives up on it. */
const fatalCloseTimeoutMs = 15_000;
/** Worker and bot roles touch <DATA_DIR>/tmp/heartbeat-<role>-<hostname> this often; the compose healthcheck reads its age. */
const heartbeatIntervalMs = 10_000;

/**
 * Secrets must never reach logs, whatever a future log line passes in: every logged object is walked at any depth
 * (core/redact.ts: secret-named keys censored, URL tokens and credentials scrubbed inside strings, errors included),
 * and so are the message, its interpolated arguments and child bindings. pino's own `redact` only takes fixed paths.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  const scrubArg = (arg: unknown) => (typeof arg === 'string' ? scrubSecrets(arg) : arg);
  const root = pino({
    level: config.logLevel,
    formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        // `log.error(err)`: pino would take the message from err.message unscrubbed; hand it over as `{ err }, message`.
        if (first instanceof Error && typeof rest[0] !== 'string') return method.apply(this, [{ err: first }, scrubSecrets(first.message), ...rest.map(scrubArg)] as Parameters<typeof method>);
        return method.apply(this, args.map(scrubArg) as Parameters<typeof method>);
      },
    },
    // Fastify's request serializer, with the query's tokens (an OAuth callback's code and state) scrubbed.
    serializers: {
      // Errors were already turned into scrubbed plain objects above; pino's own serializer would rename their type.
      err: (value: unknown) => (value instanceof Error ? redactDeep(value) : value),
      req: (req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: req.method, url: req.url === undefined ? undefined : scrubSecrets(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort,
      }),
    },
  }, destination);
  // Child bindings (`log.child({ … })`, Fastify's per-request child) skip formatters.log: scrubbed here, for every
  // descendant (children inherit this own property).
  const child = root.child;
  root.child = function scrubbedChild(this: Logger, bindings, options) {
    return child.call(this, redactDeep(bindings) as typeof bindings, options);
  } as typeof root.child;
  return root;
}

export async function startApp(config: AppConfig, role: Role, log: Logger = createLogger(config), options: StartOptions = {}): Promise<RunningApp> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl, pgliteDir: `${config.dataDir}/pglite`, poolMax: config.databasePoolMax, lockConnections: config.browserSlots,
  });
  log.info({ kind: db.kind }, 'database ready (migrations applied)');
  await registerApiPlatforms(db.db, config);
  const temporal = await connectTemporal(config.temporal.address, config.temporal.namespace);
  await ensureSearchAttributes(temporal);

  let closing: Promise<void> | undefined;
  let stopHeartbeat: (() => void) | undefined;
  const app: RunningApp = {
    config,
    db,
    temporal,
    markReady() {
      app.api?.readiness.markReady();
    },
    close() {
      // Set before the first await: a worker stopping because of this close is not mistaken for a fatal stop.
      closing ??= (async () => {
        stopHeartbeat?.();
        await app.metricsServer?.close();
        // The bot first: it submits the videos still gathering while the database and Temporal are up.
        await app.notifier?.stop();
        await app.bot?.stop();
        await app.api?.close();
        await app.workers?.shutdown();
        await temporal.connection.close();
        await db.close();
      })();
      return closing;
    },
  };
  /** A worker or the polling stopped without close(): log it, and with `onFatal` close (bounded) and hand over. */
  const fatal = (what: string, error?: unknown) => {
    if (closing || options.stopRequested?.()) return;
    log.fatal({ err: error }, what);
    if (!options.onFatal) return;
    const onFatal = options.onFatal;
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, fatalCloseTimeoutMs).unref());
    void Promise.race([app.close().catch((e: Error) => log.error({ err: e }, 'close after a fatal stop failed')), bounded])
      .then(() => onFatal(error ?? new Error(what)));
  };
  try {
    if (role === 'all' || role === 'worker') {
      const browser = new BrowserRuntime({
        chromiumPath: config.chromiumPath, slots: config.browserSlots, keyring: config.keyring, db: db.db, log,
        waitTimeoutMs: config.browser.waitTimeoutMs, lockTimeoutMs: config.browser.lockTimeoutMs, idleCloseMs: config.browser.idleCloseMs,
        // PGlite is one connection in one process: the in-process lock is the whole story there.
        accountLocks: db.accountLocks,
        evidenceTempDir: `${config.dataDir}/tmp`,
      });
      app.workers = await startWorkers({ db: db.db, config, log, browser }, { address: config.temporal.address, namespace: config.temporal.namespace });
      app.workers.firstStopped.then(
        () => fatal('a worker stopped unexpectedly'),
        (error: unknown) => fatal('a worker crashed', error),
      );
      log.info({ queues: app.workers.queues }, 'workers running');
      if (config.sessionCheckIntervalMs > 0) await ensureSessionHealthSchedule(temporal, config.sessionCheckIntervalMs, config.lifecycle);
      await ensureClickRetentionSchedule(temporal, config.traffic.clickRetentionDays, config.lifecycle);
      await ensureMediaRetentionSchedule(temporal, config.storage.retention, config.lifecycle);
      await ensureLearnedSlotsSchedule(temporal, config.lifecycle);
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
      const starting = app.bot.start({
        poll: !config.telegram.webhook, notify: true,
        // The bot logged the error itself, token scrubbed (bot/safety.ts); only the fact is logged here.
        onPollingStopped: () => fatal('telegram polling stopped; exiting'),
      });
      if (role === 'bot') await starting;
      else {
        // Embedded: the rest of the product runs even when Telegram cannot be reached or refuses the token.
        await starting.catch((error: Error) => log.error({ error: error.message }, 'Telegram bot not started; fix TELEGRAM_* and restart'));
      }
    } else if (role === 'bot' && !config.notify.webhook && !config.notify.email) {
      log.warn('bot role: TELEGRAM_BOT_TOKEN is not set; idling');
    }
    // Webhook and e-mail alerts and the report e-mails: with or without Telegram, each channel with its own cursor.
    if (runsBot) {
      app.notifier = createNotifier({ db: db.db, log: log.child({ component: 'notify' }), config: config.notify });
      app.notifier?.start();
    }
    // Worker and bot roles answer Prometheus on their own port; in `all` the web role's GET /metrics covers everything.
    // A port already taken (two workers on one host) costs the metrics, never the role.
    if ((role === 'worker' || role === 'bot') && config.metrics.port > 0) {
      app.metricsServer = await startMetricsServer({
        host: config.metrics.host, port: config.metrics.port, token: config.metrics.token,
        onError: (error) => log.error({ err: error }, 'metrics scrape failed'),
      }).catch((error: Error) => {
        log.error({ err: error.message, host: config.metrics.host, port: config.metrics.port }, 'metrics server not started (set METRICS_PORT)');
        return undefined;
      });
      if (app.metricsServer) log.info({ url: app.metricsServer.url }, 'metrics served');
    }
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  if (role !== 'web') stopHeartbeat = startHeartbeat(config, role, app, log);
  if (!options.deferReady) app.markReady();
  return app;
}

/**
 * Worker and bot roles serve no HTTP: every 10 s, while each Temporal worker is RUNNING (the bot's polling has its
 * own fatal stop), they touch <DATA_DIR>/tmp/heartbeat-<role>-<hostname>. docker-compose.yml's healthcheck fails when
 * it is older than a minute (a stuck event loop, a stalled worker).
 */
function startHeartbeat(config: AppConfig, role: Role, app: RunningApp, log: Logger): () => void {
  const dir = join(config.dataDir, 'tmp');
  const file = join(dir, `heartbeat-${role}-${hostname()}`);
  let warned = false;
  const beat = async () => {
    if (app.workers && !app.workers.running()) return;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(file, new Date().toISOString());
    } catch (error) {
      if (!warned) log.warn({ err: error, file }, 'cannot write the heartbeat file; the container healthcheck will fail');
      warned = true;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), heartbeatIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function cli() {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!roles.includes(role)) {
    console.error(`usage: main.ts ${roles.join('|')}`);
    process.exit(2);
  }
  const config = loadConfig();
  const log = createLogger(config);
  let stopping = false;
  const started: { app?: RunningApp } = {};
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    // During start-up the app is closed once startApp returns (below).
    if (!started.app) return;
    await started.app.close();
    process.exit(0);
  };
  // Before startApp: the Temporal runtime stops the workers on these signals too, and a signal that arrives while the
  // app starts is a requested stop, not a fatal one.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const app = (started.app = await startApp(config, role, log, {
    stopRequested: () => stopping,
    // A worker or the polling stopped on its own: startApp has closed what it could; exit non-zero for the supervisor.
    onFatal: () => process.exit(1),
  }));
  if (stopping) {
    await app.close();
    process.exit(0);
  }
  if (app.url) log.info(`dashboard and API on ${app.url}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
