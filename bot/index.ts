/**
 * The Telegram bot: models send videos and get feedback; the admin chat gets cards and alerts and steers with
 * commands. Long polling with @grammyjs/runner (concurrent across chats, sequential within one chat), or webhook
 * mode (api/routes/telegram-webhook.ts hands updates over after checking the secret token). Sending respects
 * Telegram's rate limits (auto-retry on 429). One bad update never stops the bot: each concern has an error
 * boundary that answers the person, and bot.catch logs whatever is left.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { Bot, GrammyError, type Context } from 'grammy';
import type { BotCommand, Update } from 'grammy/types';
import { outboxLag } from '../db/ops-metrics.js';
import { countBotUpdate, provideMetricSource } from '../observability/metrics.js';
import { adminComposer } from './admin.js';
import { Batcher } from './batches.js';
import { logError, safeReply, type BotDeps } from './deps.js';
import { flushVideos, intakeComposer, type PendingVideo } from './intake.js';
import { adminLanguage, adminTexts, languageOfTelegramUser, textsFor } from './messages.js';
import { Notices, type NoticeOptions } from './notices.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { errorSummary, sanitizingTransformer } from './safety.js';

export type { BotDeps } from './deps.js';

const allowedUpdates = ['message', 'edited_message', 'callback_query', 'channel_post', 'my_chat_member'] as const;

export interface TelegramBotOptions {
  /** The notifications: the outbox's polling and gap wait, the alerts' fold throttle. */
  notifier?: OutboxOptions & NoticeOptions;
  /** Long-poll timeout of getUpdates in seconds (default 30). */
  pollTimeoutSeconds?: number;
}

export interface TelegramBot {
  readonly bot: Bot;
  readonly notifier: Outbox | undefined;
  /** Webhook mode: one update from Telegram (already authenticated by the route). Never throws. */
  handleWebhookUpdate(update: unknown): Promise<void>;
  /**
   * Starts long polling (or registers the webhook) and the notifier. `onPollingStopped` is called when long polling
   * ends without `stop()` (Telegram answered 401 or 409 — a revoked token, a webhook or another poller on the token —
   * or the runner gave up retrying): the process is taking no updates any more.
   */
  start(opts: { poll: boolean; notify: boolean; onPollingStopped?: (error: unknown) => void }): Promise<void>;
  /** Stops taking updates, submits the batches still gathering, stops the notifier. */
  stop(): Promise<void>;
  /** Resolves once no update is being handled and no batch is waiting (tests and shutdown). */
  idle(timeoutMs?: number): Promise<void>;
}

const modelCommands: BotCommand[] = [
  { command: 'estado', description: 'Tus últimos videos y en qué van' },
  { command: 'help', description: 'Cómo enviar videos' },
];
const adminCommands: BotCommand[] = [
  { command: 'status', description: 'Programadas, en proceso, fallidas; salud' },
  { command: 'daily', description: 'Resumen de las últimas 24 h' },
  { command: 'weekly', description: 'Resumen de los últimos 7 días' },
  { command: 'failed', description: 'Publicaciones fallidas, con reintento' },
  { command: 'retry', description: 'Reintentar una publicación: /retry ID' },
  { command: 'pause', description: 'Pausar una modelo: /pause NOMBRE' },
  { command: 'resume', description: 'Reanudar una modelo: /resume NOMBRE' },
  { command: 'help', description: 'Ayuda' },
];

export function createTelegramBot(deps: BotDeps, options: TelegramBotOptions = {}): TelegramBot {
  const { telegram } = deps.config;
  const token = telegram.token;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const bot = new Bot(token, { client: { apiRoot: telegram.apiRoot, timeoutSeconds: 120 } });
  // Network errors come back at once (the notifier and the runner retry them); 429 waits as Telegram asks.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30, rethrowHttpErrors: true }));
  bot.api.config.use(sanitizingTransformer(token));

  const batcher = new Batcher<PendingVideo>(telegram.groupQuietMs, flushVideos(deps, bot.api), (error, batch) =>
    logError(deps, error, 'telegram batch failed', { chat: batch.key, videos: batch.items.length }));

  // Every update counts (trafico_bot_updates_total), whatever becomes of it below.
  bot.use((ctx, next) => {
    countBotUpdate(ctx.update);
    return next();
  });
  // Updates whose ids are not ids (forged or corrupted) never reach a query.
  bot.use((ctx, next) => {
    const forged = (ctx.from != null && !Number.isSafeInteger(ctx.from.id)) || (ctx.chat != null && !Number.isSafeInteger(ctx.chat.id));
    return forged ? undefined : next();
  });
  // Per chat one update at a time (an album's parts stay in order); different chats run concurrently.
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));
  // Channel posts and membership changes are not for the bot: silence (groups other than the admin chat get it too, below).
  bot.use((ctx, next) => (ctx.channelPost || ctx.editedChannelPost || ctx.myChatMember ? undefined : next()));

  const boundary = (what: string) => async (err: { error: unknown; ctx: Context }) => {
    logError(deps, err.error, `telegram ${what} failed`, { updateId: err.ctx.update.update_id, chatId: err.ctx.chat?.id });
    if (err.ctx.callbackQuery) {
      await err.ctx.answerCallbackQuery({ text: adminTexts.answers.failed }).catch(() => undefined);
    } else if (err.ctx.message && err.ctx.chat) {
      const language = err.ctx.chat.id === telegram.adminChatId ? adminLanguage : languageOfTelegramUser(err.ctx.from?.language_code);
      await safeReply(deps, err.ctx, textsFor(language).error);
    }
  };
  bot.errorBoundary(boundary('admin update'), adminComposer(deps));
  bot.errorBoundary(boundary('model update'), intakeComposer(deps, batcher));
  bot.catch((err) => logError(deps, err.error, 'telegram update failed', { updateId: err.ctx.update.update_id }));

  let runner: RunnerHandle | undefined;
  let notifier: Outbox | undefined;
  let removeOutboxMetrics: (() => void) | undefined;
  let inFlightWebhooks = 0;
  let stopped = false;
  let initialized: Promise<void> | undefined;
  const init = () => (initialized ??= bot.init().catch((error: unknown) => {
    initialized = undefined;
    throw error;
  }));

  async function registerCommands() {
    try {
      await bot.api.setMyCommands(modelCommands, { scope: { type: 'all_private_chats' } });
      if (telegram.adminChatId !== undefined) await bot.api.setMyCommands(adminCommands, { scope: { type: 'chat', chat_id: telegram.adminChatId } });
    } catch (error) {
      // Only the command menu; the bot works without it (e.g. the admin chat id is wrong: the alerts will say).
      logError(deps, error, 'telegram command menu not set');
    }
  }

  return {
    bot,
    get notifier() {
      return notifier;
    },

    async handleWebhookUpdate(update: unknown) {
      if (typeof update !== 'object' || update === null || typeof (update as Update).update_id !== 'number') return;
      inFlightWebhooks++;
      try {
        await init();
        await bot.handleUpdate(update as Update);
      } catch (error) {
        // Telegram would resend a failed update forever; it is logged and answered 200 instead.
        const inner = (error as { error?: unknown }).error ?? error;
        logError(deps, inner, 'telegram webhook update failed', { updateId: (update as Update).update_id });
      } finally {
        inFlightWebhooks--;
      }
    },

    async start(opts) {
      try {
        await init();
      } catch (error) {
        if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)) {
          throw new Error(`Telegram refused TELEGRAM_BOT_TOKEN (${error.error_code} ${error.description}); check it with @BotFather`);
        }
        throw new Error(`cannot reach the Telegram Bot API at ${telegram.apiRoot}: ${errorSummary(error, token).message}`);
      }
      deps.log.info({ username: bot.botInfo.username, mode: telegram.webhook ? 'webhook' : 'polling', localApi: telegram.localApi }, 'telegram bot ready');
      if (telegram.adminChatId === undefined) deps.log.warn('TELEGRAM_ADMIN_CHAT_ID is not set: no approval cards, alerts or admin commands in Telegram');
      await registerCommands();
      if (telegram.webhook) {
        await bot.api.setWebhook(telegram.webhook.url, { secret_token: telegram.webhook.secret, allowed_updates: [...allowedUpdates] });
      } else if (opts.poll) {
        // getUpdates does not work while a webhook is set (a previous webhook deployment, say).
        await bot.api.deleteWebhook();
        runner = run(bot, {
          runner: { fetch: { timeout: options.pollTimeoutSeconds ?? 30, allowed_updates: [...allowedUpdates] }, silent: true, retryInterval: 'exponential' },
          sink: { concurrency: 50 },
        });
        const polling = runner.task();
        void polling?.then(
          () => (stopped ? undefined : opts.onPollingStopped?.(new Error('telegram polling ended'))),
          (error: unknown) => {
            logError(deps, error, 'telegram polling stopped');
            if (!stopped) opts.onPollingStopped?.(error);
          },
        );
      }
      if (opts.notify) {
        // One cursor per bot (its id), so two bots on one database each send their own notifications.
        const cursor = `notifier:${bot.botInfo.id}`;
        notifier = new Outbox(deps, cursor, new Notices(deps, bot.api, options.notifier), options.notifier);
        notifier.start();
        removeOutboxMetrics = provideMetricSource('outbox', () => outboxLag(deps.db, cursor));
      }
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      if (runner?.isRunning()) await runner.stop();
      await batcher.drain();
      removeOutboxMetrics?.();
      await notifier?.stop();
    },

    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Polled on purpose: the runner and the batcher only expose sizes.
      while ((runner?.size() ?? 0) > 0 || batcher.size() > 0 || inFlightWebhooks > 0) {
        if (Date.now() > deadline) throw new Error('the telegram bot did not become idle in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
