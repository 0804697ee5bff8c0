/**
 * Signed, expiring media URLs (Instagram's `video_url` way, activities/publishing/drivers/instagram.ts): the HMAC key
 * is derived with HKDF from the current encryption key (the first of AUTH_ENCRYPTION_KEYS), so no new secret is
 * configured, every role (the worker that signs, the web role that serves) derives the same key, and the encryption key
 * itself never signs anything.
 *
 * The signature lives here, not in the driver, so both the driver that signs and the route that verifies (api/ through
 * services/, which may not import activities/) use the one definition.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** HKDF-SHA256 (empty salt, info `instagram-media-url`) of the app's 32-byte encryption key: a 32-byte HMAC key. */
export function mediaUrlKeyFrom(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'instagram-media-url', 32));
}

export function instagramVideoSignature(key: Buffer, publicationId: string, expiresAt: number): string {
  return createHmac('sha256', key).update(`instagram-video\n${publicationId}\n${expiresAt}`).digest('base64url');
}

/** Whether a signed path's parts are ours and not expired (constant-time comparison). */
export function verifyInstagramVideoSignature(key: Buffer, publicationId: string, expiresAt: number, signature: string, now = Date.now()): boolean {
  if (!Number.isInteger(expiresAt) || expiresAt * 1000 < now) return false;
  const expected = Buffer.from(instagramVideoSignature(key, publicationId, expiresAt));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
