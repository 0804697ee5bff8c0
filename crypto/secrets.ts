/**
 * AES-256-GCM envelopes for secrets at rest and in Temporal inputs.
 *
 * v2 (written): `v2.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts. `keyId` names the key (so a rotated-out key
 * is found, or reported as missing, without trying every key), and the additional authenticated data binds the
 * ciphertext to where it lives (`table/rowId/column`): an envelope copied into another row or column does not decrypt.
 * v1 (read only, the old format): `v1.<iv>.<tag>.<ciphertext>`, no key id, no binding; tried with every key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  /** First 8 hex characters of SHA-256(key): names the key in envelopes without revealing it. */
  readonly id: string;
  readonly key: Buffer;
}

/** The current key (encrypts) first, then older keys still accepted for decrypting. */
export interface Keyring {
  readonly current: EncryptionKey;
  readonly keys: readonly EncryptionKey[];
}

/** Where a ciphertext lives; a DB column (`platform_accounts`, row id, `auth_data`) or a named channel (a workflow input). */
export interface SecretBinding {
  table: string;
  rowId: string;
  column: string;
}

/** Why a stored secret could not be read: no key for it, tampered or moved, or not an envelope at all. */
export class UndecryptableSecret extends Error {
  constructor(
    readonly reason: 'unknown_key' | 'authentication_failed' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'UndecryptableSecret';
  }
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function parseKey(base64Key: string): Buffer {
  const key = Buffer.from(base64Key.trim(), 'base64');
  if (key.length !== 32) throw new Error('AUTH_ENCRYPTION_KEY(S): each key must be 32 bytes, base64-encoded');
  return key;
}

export function keyringOf(keys: readonly Buffer[]): Keyring {
  if (keys.length === 0) throw new Error('AUTH_ENCRYPTION_KEYS: at least one key');
  const entries: EncryptionKey[] = [];
  for (const key of keys) {
    const id = keyIdOf(key);
    if (!entries.some((e) => e.id === id)) entries.push({ id, key });
  }
  return { current: entries[0]!, keys: entries };
}

/** `AUTH_ENCRYPTION_KEYS`: a comma-separated list of base64 keys, the first one current. */
export function parseKeyring(list: string): Keyring {
  const parts = list.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return keyringOf(parts.map(parseKey));
}

function aad(version: string, keyId: string, binding: SecretBinding): Buffer {
  for (const [name, value] of Object.entries(binding)) {
    if (typeof value !== 'string' || value === '') throw new Error(`secret binding without ${name}`);
  }
  return Buffer.from(`trafico:${version}.${keyId}:${binding.table}/${binding.rowId}/${binding.column}`, 'utf8');
}

export function encryptJson(keyring: Keyring, binding: SecretBinding, value: unknown): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad('v2', id, binding));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v2', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

function open(key: Buffer, iv: string, tag: string, data: string, additional?: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  if (additional) decipher.setAAD(additional);
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
}

/** The key id of a v2 envelope; null for v1 (no id) or anything else. */
export function envelopeKeyId(envelope: string): string | null {
  const [version, keyId] = envelope.split('.');
  return version === 'v2' && keyId ? keyId : null;
}

export function decryptJson<T = unknown>(keyring: Keyring, binding: SecretBinding, envelope: string): T {
  const parts = envelope.split('.');
  let clear: Buffer | undefined;
  if (parts[0] === 'v2' && parts.length === 5) {
    const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
    const entry = keyring.keys.find((k) => k.id === keyId);
    if (!entry) throw new UndecryptableSecret('unknown_key', `encrypted with key ${keyId}, which is not in AUTH_ENCRYPTION_KEYS`);
    try {
      clear = open(entry.key, iv, tag, data, aad('v2', keyId, binding));
    } catch {
      throw new UndecryptableSecret('authentication_failed', `the ${binding.column} of ${binding.table} ${binding.rowId} does not authenticate (altered, or copied from another row or column)`);
    }
  } else if (parts[0] === 'v1' && parts.length === 4) {
    const [, iv, tag, data] = parts as [string, string, string, string];
    for (const { key } of keyring.keys) {
      try {
        clear = open(key, iv, tag, data);
        break;
      } catch {
        // the next key
      }
    }
    if (!clear) throw new UndecryptableSecret('unknown_key', `the ${binding.column} of ${binding.table} ${binding.rowId} (v1) opens with none of the configured keys`);
  } else {
    throw new UndecryptableSecret('malformed', 'unrecognised encrypted envelope');
  }
  try {
    return JSON.parse(clear.toString('utf8')) as T;
  } catch {
    throw new UndecryptableSecret('malformed', `the ${binding.column} of ${binding.table} ${binding.rowId} is not JSON once decrypted`);
  }
}

/**
 * Where each secret lives: the encrypted columns (re-encrypted by `npm run rotate-keys`) and the channels that are not
 * rows (a workflow input, the OAuth state), bound to what the reader knows before decrypting.
 */
export const secretBindings = {
  accountAuthData: (accountId: string): SecretBinding => ({ table: 'platform_accounts', rowId: accountId, column: 'auth_data' }),
  accountProxy: (accountId: string): SecretBinding => ({ table: 'platform_accounts', rowId: accountId, column: 'proxy_encrypted' }),
  publicationDriverProgress: (publicationId: string): SecretBinding => ({ table: 'publications', rowId: publicationId, column: 'driver_progress' }),
  streamSourceEventsToken: (sourceId: string): SecretBinding => ({ table: 'stream_sources', rowId: sourceId, column: 'events_token' }),
  streamSourceStatsToken: (sourceId: string): SecretBinding => ({ table: 'stream_sources', rowId: sourceId, column: 'stats_token' }),
  streamSourceEventsNextUrl: (sourceId: string): SecretBinding => ({ table: 'stream_sources', rowId: sourceId, column: 'events_next_url' }),
  /** The username/password of a login, in the session-check workflow's input. */
  loginCredentials: (accountId: string): SecretBinding => ({ table: 'workflow_input', rowId: accountId, column: 'login_credentials' }),
  /** A connect request (credentials body or OAuth code), in the session-check workflow's input. */
  connectRequest: (accountId: string): SecretBinding => ({ table: 'workflow_input', rowId: accountId, column: 'connect_request' }),
  /** The OAuth `state` round trip: bound to the platform of the callback URL (the account is only known after decrypting). */
  oauthState: (platform: string): SecretBinding => ({ table: 'oauth_state', rowId: platform, column: 'state' }),
} as const;
