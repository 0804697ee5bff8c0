import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptJson, encryptJson, parseKey } from './secrets.js';

describe('AES-256-GCM envelope', () => {
  const key = randomBytes(32);
  const state = { cookies: [{ name: 'demo_session', value: 'secret-session-value' }], origins: [] };

  it('round-trips and never contains the clear text', () => {
    const envelope = encryptJson(key, state);
    expect(envelope.startsWith('v1.')).toBe(true);
    expect(envelope).not.toContain('secret-session-value');
    expect(decryptJson(key, envelope)).toEqual(state);
    expect(encryptJson(key, state)).not.toBe(envelope); // fresh IV each time
  });

  it('rejects a tampered envelope and a wrong key', () => {
    const envelope = encryptJson(key, state);
    const parts = envelope.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0] = data[0]! ^ 1;
    parts[3] = data.toString('base64url');
    expect(() => decryptJson(key, parts.join('.'))).toThrow();
    expect(() => decryptJson(randomBytes(32), envelope)).toThrow();
    expect(() => decryptJson(key, 'garbage')).toThrow(/unrecognised/);
  });

  it('demands a 32-byte key', () => {
    expect(() => parseKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(parseKey(key.toString('base64'))).toEqual(key);
  });
});
