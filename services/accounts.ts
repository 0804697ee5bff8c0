/**
 * How an account's browser presents itself: locale, time zone, viewport, user agent and an optional
 * proxy. The proxy URL may carry credentials, so it is stored encrypted and only its host is shown.
 */
import type { BrowserProfile } from '../core/types.js';
import type { Db } from '../db/client.js';
import { decryptJson, encryptJson } from '../crypto/secrets.js';
import { listAccounts, updateAccountBrowser } from '../db/accounts.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { recordEvent } from '../db/events.js';
import { ServiceError } from './errors.js';

export interface BrowserProfileInput extends BrowserProfile {
  /** `http://user:pass@host:port`, `https://…` or `socks5://host:port`; null or "" (a cleared field) removes it. */
  proxy?: string | null;
}

export interface BrowserProfileView extends BrowserProfile {
  /** Scheme, host and port only: the credentials never leave the database. */
  proxy: string | null;
}

const proxySchemes = new Set(['http:', 'https:', 'socks5:']);

function invalid(field: string, message: string): never {
  throw new ServiceError('invalid', 'invalid_browser_profile', `${field}: ${message}`);
}

function validated(input: BrowserProfileInput): BrowserProfile {
  const profile: BrowserProfile = {};
  if (input.locale !== undefined) {
    try {
      [profile.locale] = Intl.getCanonicalLocales(input.locale);
    } catch {
      invalid('locale', `"${input.locale}" is not a BCP 47 language tag such as es-CO`);
    }
  }
  if (input.timezoneId !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: input.timezoneId });
    } catch {
      invalid('timezoneId', `"${input.timezoneId}" is not an IANA time zone such as America/Bogota`);
    }
    profile.timezoneId = input.timezoneId;
  }
  if (input.viewport !== undefined) profile.viewport = input.viewport;
  if (input.userAgent !== undefined) profile.userAgent = input.userAgent;
  return profile;
}

function proxyView(encryptionKey: Buffer, encrypted: string | null): string | null {
  if (!encrypted) return null;
  const url = new URL(decryptJson<{ url: string }>(encryptionKey, encrypted).url);
  return `${url.protocol}//${url.host}`;
}

/** Replaces the account's browser profile; `proxy` left out keeps the current one. */
export async function setBrowserProfile(
  deps: { db: Db; encryptionKey: Buffer },
  accountId: string,
  input: BrowserProfileInput & { actor: string },
): Promise<BrowserProfileView> {
  const found = await findAccountWithPlatform(deps.db, accountId);
  if (!found) throw new ServiceError('not_found', 'not_found', `account ${accountId} not found`);
  const { actor, proxy, ...rest } = input;
  const profile = validated(rest);
  let proxyEncrypted = found.account.proxyEncrypted;
  if (proxy === null || proxy?.trim() === '') proxyEncrypted = null;
  else if (proxy !== undefined) {
    let url: URL;
    try {
      url = new URL(proxy);
    } catch {
      invalid('proxy', 'must be a URL such as http://user:password@proxy.example:8080');
    }
    if (!proxySchemes.has(url.protocol) || !url.hostname) invalid('proxy', 'must use http, https or socks5 and name a host');
    proxyEncrypted = encryptJson(deps.encryptionKey, { url: url.toString() });
  }
  await updateAccountBrowser(deps.db, accountId, { browserProfile: profile, proxyEncrypted });
  const view = { ...profile, proxy: proxyView(deps.encryptionKey, proxyEncrypted) };
  await recordEvent(deps.db, 'manual_adjustment', { change: 'browser_profile', username: found.account.username, browserProfile: view }, {
    accountId, modelId: found.account.modelId, actor,
  });
  return view;
}

/** Accounts as the admin sees them: session health, status, browser profile; never the session itself. */
export async function accountOverview(deps: { db: Db; encryptionKey: Buffer }) {
  const rows = await listAccounts(deps.db);
  return rows.map(({ account, platformName, modelName }) => ({
    id: account.id,
    modelId: account.modelId,
    modelName,
    platformName,
    username: account.username,
    status: account.status,
    sessionSaved: account.authData !== null,
    lastSessionState: account.lastSessionState,
    lastSessionCheckAt: account.lastSessionCheckAt?.toISOString() ?? null,
    lastAuthenticatedAt: account.lastAuthenticatedAt?.toISOString() ?? null,
    browserProfile: { ...(account.browserProfile ?? {}), proxy: proxyView(deps.encryptionKey, account.proxyEncrypted) },
  }));
}
