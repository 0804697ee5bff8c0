import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { loadConfig, TELEGRAM_CLOUD_FILE_LIMIT_BYTES, TELEGRAM_LOCAL_FILE_LIMIT_BYTES } from '../config.js';
import { errorSummary, redact, sanitizingTransformer } from './safety.js';

const token = '123456789:AAH-secret_token-value';

describe('the bot token never reaches a log line', () => {
  it('redacts the token from texts', () => {
    expect(redact(`request to https://api.telegram.org/bot${token}/getMe failed`, token)).toBe('request to https://api.telegram.org/bot<token>/getMe failed');
    expect(redact('nothing here', undefined)).toBe('nothing here');
  });

  it('summarizes errors without the original network error', () => {
    const network = new HttpError("Network request for 'getMe' failed!", new Error(`request to http://x/bot${token}/getMe failed, reason: ECONNREFUSED`));
    const summary = errorSummary(network, token);
    expect(JSON.stringify(summary)).not.toContain(token);
    expect(summary.message).toContain('ECONNREFUSED');
    const api = new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, 'sendMessage', {});
    expect(errorSummary(api, token)).toEqual({ name: 'GrammyError', message: 'Forbidden: bot was blocked by the user', method: 'sendMessage', errorCode: 403 });
  });

  it('the transformer rethrows network errors with the token removed', async () => {
    const transformer = sanitizingTransformer(token);
    const failing = async () => {
      throw new HttpError("Network request for 'getMe' failed!", new Error(`request to http://x/bot${token}/getMe failed`));
    };
    const error = await transformer(failing as never, 'getMe', {} as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(String((error as HttpError).message) + String(((error as HttpError).error as Error).message)).not.toContain(token);
    expect(JSON.stringify(error)).not.toContain(token);
  });
});

describe('Telegram settings', () => {
  const base = { DATA_DIR: '/tmp/x', API_TOKEN: 'a'.repeat(16), ADMIN_PASSWORD: 'password', SESSION_SECRET: 's'.repeat(32), AUTH_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') };

  it('defaults to the cloud Bot API, 20 MB, no bot', () => {
    const { telegram } = loadConfig(base);
    expect(telegram).toMatchObject({ apiRoot: 'https://api.telegram.org', localApi: false, fileLimitBytes: TELEGRAM_CLOUD_FILE_LIMIT_BYTES, groupQuietMs: 2500, alertCooldownMs: 30 * 60_000 });
    expect(telegram.token).toBeUndefined();
    expect(telegram.webhook).toBeUndefined();
  });

  it('another API root is a local Bot API server (large files) unless TELEGRAM_LOCAL_API=false', () => {
    const local = loadConfig({ ...base, TELEGRAM_API_ROOT: 'http://telegram-bot-api:8081/' }).telegram;
    expect(local).toMatchObject({ apiRoot: 'http://telegram-bot-api:8081', localApi: true, fileLimitBytes: TELEGRAM_LOCAL_FILE_LIMIT_BYTES });
    const proxy = loadConfig({ ...base, TELEGRAM_API_ROOT: 'https://tg-proxy.example.com', TELEGRAM_LOCAL_API: 'false' }).telegram;
    expect(proxy).toMatchObject({ localApi: false, fileLimitBytes: TELEGRAM_CLOUD_FILE_LIMIT_BYTES });
  });

  it('keeps the token and the webhook secret out of JSON', () => {
    const { telegram } = loadConfig({
      ...base, TELEGRAM_BOT_TOKEN: token, TELEGRAM_ADMIN_CHAT_ID: '-1001234567890',
      TELEGRAM_WEBHOOK_URL: 'https://trafico.example.com/telegram/hook', TELEGRAM_WEBHOOK_SECRET: 'w'.repeat(32),
    });
    expect(telegram.token).toBe(token);
    expect(telegram.adminChatId).toBe(-1001234567890);
    expect(telegram.webhook).toMatchObject({ url: 'https://trafico.example.com/telegram/hook', path: '/telegram/hook' });
    expect(telegram.webhook!.secret).toBe('w'.repeat(32));
    const json = JSON.stringify(telegram);
    expect(json).not.toContain(token);
    expect(json).not.toContain('w'.repeat(32));
  });

  it('names the bad setting', () => {
    expect(() => loadConfig({ ...base, TELEGRAM_BOT_TOKEN: 'not a token' })).toThrow(/TELEGRAM_BOT_TOKEN/);
    expect(() => loadConfig({ ...base, TELEGRAM_ADMIN_CHAT_ID: 'admins' })).toThrow(/TELEGRAM_ADMIN_CHAT_ID/);
    expect(() => loadConfig({ ...base, TELEGRAM_WEBHOOK_URL: 'https://x.example.com/hook' })).toThrow(/TELEGRAM_WEBHOOK_SECRET: required/);
    expect(() => loadConfig({ ...base, TELEGRAM_WEBHOOK_URL: 'https://x.example.com/hook', TELEGRAM_WEBHOOK_SECRET: 'short' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
  });
});
