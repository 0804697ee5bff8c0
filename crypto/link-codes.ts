/**
 * Telegram link codes are stored as an HMAC, never in clear: whoever reads the database (a backup, a replica) cannot
 * use a live code to link their own Telegram to a model. The key is HKDF-derived from SESSION_SECRET (no new secret;
 * the web role that makes codes and the bot that takes them derive the same). A plain SHA-256 would not do: a code
 * has ~50 bits, few enough to try them all against a leaked hash within its lifetime.
 */
import { createHmac, hkdfSync } from 'node:crypto';

const keys = new Map<string, Buffer>();

function keyOf(sessionSecret: string): Buffer {
  let key = keys.get(sessionSecret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', sessionSecret, Buffer.alloc(0), 'telegram-link-code', 32));
    keys.set(sessionSecret, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of the code as the model types it, any case (codes are upper-case). */
export function linkCodeHash(sessionSecret: string, code: string): string {
  return createHmac('sha256', keyOf(sessionSecret)).update(code.trim().toUpperCase()).digest('hex');
}
