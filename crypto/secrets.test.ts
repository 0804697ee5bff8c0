import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decryptJson, encryptJson, envelopeKeyId, keyIdOf, keyringOf, parseKey, parseKeyring, secretBindings, UndecryptableSecret,
} from './secrets.js';

/** The envelope as the code before key ids wrote it (v1: no key id, no additional data). */
function legacyV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

describe('AES-256-GCM envelope', () => {
  const key = randomBytes(32);
  const ring = keyringOf([key]);
  const state = { cookies: [{ name: 'demo_session', value: 'secret-session-value' }], origins: [] };
  const at = secretBindings.accountAuthData('0b6f3c1e-0000-4000-8000-000000000001');

  it('round-trips as v2 with the key id, and never contains the clear text', () => {
    const envelope = encryptJson(ring, at, state);
    expect(envelope.split('.')).toHaveLength(5);
    expect(envelope.startsWith(`v2.${keyIdOf(key)}.`)).toBe(true);
    expect(envelopeKeyId(envelope)).toBe(keyIdOf(key));
    expect(envelope).not.toContain('secret-session-value');
    expect(decryptJson(ring, at, envelope)).toEqual(state);
    expect(encryptJson(ring, at, state)).not.toBe(envelope); // fresh IV each time
  });

  it('is bound to its table, row and column: a copy elsewhere does not decrypt', () => {
    const envelope = encryptJson(ring, at, state);
    const otherRow = secretBindings.accountAuthData('0b6f3c1e-0000-4000-8000-000000000002');
    const otherColumn = secretBindings.accountProxy('0b6f3c1e-0000-4000-8000-000000000001');
    const otherTable = secretBindings.publicationDriverProgress('0b6f3c1e-0000-4000-8000-000000000001');
    for (const binding of [otherRow, otherColumn, otherTable]) {
      expect(() => decryptJson(ring, binding, envelope)).toThrow(UndecryptableSecret);
    }
    expect(() => decryptJson(ring, otherRow, envelope)).toThrow(/does not authenticate/);
  });

  it('rejects a tampered envelope, an unknown key id and garbage', () => {
    const envelope = encryptJson(ring, at, state);
    const parts = envelope.split('.');
    const data = Buffer.from(parts[4]!, 'base64url');
    data[0] = data[0]! ^ 1;
    expect(() => decryptJson(ring, at, [...parts.slice(0, 4), data.toString('base64url')].join('.'))).toThrow(UndecryptableSecret);
    expect(() => decryptJson(keyringOf([randomBytes(32)]), at, envelope)).toThrow(/not in AUTH_ENCRYPTION_KEYS/);
    // The key id swapped for the other key's: that key cannot open it either.
    const other = randomBytes(32);
    const swapped = [parts[0], keyIdOf(other), ...parts.slice(2)].join('.');
    expect(() => decryptJson(keyringOf([key, other]), at, swapped)).toThrow(UndecryptableSecret);
    expect(() => decryptJson(ring, at, 'garbage')).toThrow(/unrecognised/);
  });

  it('still reads v1 envelopes (no binding) with any configured key', () => {
    const old = randomBytes(32);
    const v1 = legacyV1(old, state);
    expect(envelopeKeyId(v1)).toBeNull();
    expect(decryptJson(keyringOf([randomBytes(32), old]), at, v1)).toEqual(state);
    expect(() => decryptJson(keyringOf([randomBytes(32)]), at, v1)).toThrow(/none of the configured keys/);
  });

  it('encrypts with the first key of AUTH_ENCRYPTION_KEYS and decrypts with the older ones', () => {
    const [current, old] = [randomBytes(32), randomBytes(32)];
    const written = encryptJson(keyringOf([old]), at, state);
    const rotated = parseKeyring(`${current.toString('base64')}, ${old.toString('base64')}`);
    expect(rotated.current.id).toBe(keyIdOf(current));
    expect(decryptJson(rotated, at, written)).toEqual(state);
    expect(envelopeKeyId(encryptJson(rotated, at, state))).toBe(keyIdOf(current));
    // A single AUTH_ENCRYPTION_KEY is a keyring of one.
    expect(parseKeyring(current.toString('base64')).keys).toHaveLength(1);
  });

  it('demands 32-byte keys', () => {
    expect(() => parseKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(parseKey(key.toString('base64'))).toEqual(key);
    expect(() => parseKeyring(`${key.toString('base64')},${randomBytes(8).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseKeyring(' , ')).toThrow(/at least one key/);
  });
});
