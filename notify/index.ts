/**
 * `createNotifier()`: the alert channels configured (webhook, e-mail), each with its consumer over the event
 * stream, and the report e-mails; undefined when none is configured. main.ts runs it in the roles that run the
 * bot's notifier (all, bot), with or without TELEGRAM_BOT_TOKEN.
 */
import type { Logger } from 'pino';
import type { NotifyConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { messagesFor } from '../messages/index.js';
import type { AlertChannel } from './channel.js';
import { ChannelConsumer, type ConsumerOptions } from './consumer.js';
import { EmailChannel, Mailer } from './email.js';
import { ReportSender, type ReportSenderOptions } from './reports.js';
import { WebhookChannel } from './webhook.js';

export interface Notifier {
  consumers: ChannelConsumer[];
  reports?: ReportSender;
  start(): void;
  stop(): Promise<void>;
}

export interface NotifierOptions {
  consumer?: ConsumerOptions & { cursorPrefix?: string };
  reports?: ReportSenderOptions;
}

export function createNotifier(deps: { db: Db; log: Logger; config: NotifyConfig }, options: NotifierOptions = {}): Notifier | undefined {
  const { config } = deps;
  const words = messagesFor(config.language).notify;
  const channels: AlertChannel[] = [];
  if (config.webhook) channels.push(new WebhookChannel(config.webhook, words));
  const mailer = config.email ? new Mailer(config.email) : undefined;
  if (mailer && config.email!.alertsTo.length) channels.push(new EmailChannel(mailer, config.email!.alertsTo, words, config.language));
  const reports = mailer && config.reports.dailyAt && config.reports.to.length
    ? new ReportSender({ db: deps.db, log: deps.log, mailer, config }, options.reports)
    : undefined;
  if (!channels.length && !reports) return undefined;

  const { cursorPrefix, ...consumerOptions } = options.consumer ?? {};
  const consumers = channels.map((channel) => new ChannelConsumer(deps, channel, {
    ...consumerOptions, ...(cursorPrefix ? { cursorName: `${cursorPrefix}${channel.name}` } : {}),
  }));
  return {
    consumers,
    reports,
    start() {
      for (const consumer of consumers) consumer.start();
      reports?.start();
      deps.log.info({
        channels: channels.map((c) => c.name),
        webhook: config.webhook?.origin, email: config.email?.server,
        reports: reports ? { dailyAt: config.reports.dailyAt, weekly: config.reports.weekly } : undefined,
      }, 'alert channels running');
    },
    async stop() {
      await Promise.all([...consumers.map((c) => c.stop()), reports?.stop()]);
      mailer?.close();
    },
  };
}
