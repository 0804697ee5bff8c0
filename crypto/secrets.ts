/** AES-256-GCM envelope for secrets at rest (platform sessions). Format: v1.<iv>.<tag>.<ciphertext>, base64url. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export function parseKey(base64Key: string): Buffer {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('AUTH_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  return key;
}

export function encryptJson(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptJson<T = unknown>(key: Buffer, envelope: string): T {
  const [version, iv, tag, data] = envelope.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unrecognised encrypted envelope');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const clear = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  return JSON.parse(clear.toString('utf8')) as T;
}
