/**
 * Platform accounts as the admin manages them: the list (grouped by model, keyset-paged, with session health),
 * create, edit, deactivate / reactivate (holding and releasing their publications like pause / resume), delete
 * (only without publications, else deactivate), and how an account's browser presents itself (locale, time
 * zone, viewport, user agent and an optional proxy; the proxy URL may carry credentials, so it is stored
 * encrypted and only its host is shown).
 */
import { randomBytes } from 'node:crypto';
import type {
  Account, AccountCreateBody, AccountDeleteResult, AccountList, AccountListQuery, AccountPatchBody, AccountUpdate, TrackingLinkIssued,
} from '../contracts/api/accounts.js';
import { sessionHealthStates } from '../contracts/api/statuses.js';
import type { AccountPublishSettings, BrowserProfile, PublicationStatus } from '../core/types.js';
import {
  INSTAGRAM_POSTS_PER_24H, TIKTOK_INBOX_DRAFTS_PER_24H, rollingQuota, youtubeQuotaDay, youtubeQuotaToday, type QuotaToday,
} from '../core/platform-quotas.js';
import { postTimesByAccount, quotaUsage } from '../db/api-quota.js';
import type { PlatformApis } from '../config.js';
import { driverKindOf, isOAuthDriver } from '../contracts/drivers.js';
import { inTransaction, type Db } from '../db/client.js';
import { decryptJson, encryptJson, secretBindings, UndecryptableSecret, type Keyring } from '../crypto/secrets.js';
import {
  countAccountPublications, countAccountsByHealth, deleteAccountRow, findAccountByUsername, findAccountView, findAccountWithPlatform,
  holdAccountPublications, insertAccount, listAccountsPage, lockAccountWithContext, releaseAccountPublications, retiredTrackingCodes,
  retireTrackingCode, trackingCodeTaken, updateAccountBrowser, updateAccountFields, type AccountListKey, type AccountViewRow,
} from '../db/accounts.js';
import { recordEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import { findPlatform } from '../db/platforms.js';
import type { PlatformAccount } from '../db/schema.js';
import { trackingUrl } from '../core/tracking.js';
import { ServiceError } from './errors.js';
import { releasePublications, type PublicationServiceDeps } from './publications.js';

export interface BrowserProfileInput extends BrowserProfile {
  /** `http://user:pass@host:port`, `https://…` or `socks5://host:port`; null or "" (a cleared field) removes it. */
  proxy?: string | null;
}

export interface BrowserProfileView extends BrowserProfile {
  /** Scheme, host and port only: the credentials never leave the database. */
  proxy: string | null;
  /** The stored proxy cannot be decrypted (a key no longer configured, or an altered value): set it again. */
  proxyError?: 'undecryptable';
}

/** Where an unreadable secret is reported (the list still answers; the account is flagged). */
type SecretWarnings = { warn(facts: Record<string, unknown>, message: string): void };

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

/** One account's unreadable proxy flags that account only: the list (and every other account) still answers. */
function proxyView(keyring: Keyring, accountId: string, encrypted: string | null, log?: SecretWarnings): Pick<BrowserProfileView, 'proxy' | 'proxyError'> {
  if (!encrypted) return { proxy: null };
  try {
    const url = new URL(decryptJson<{ url: string }>(keyring, secretBindings.accountProxy(accountId), encrypted).url);
    return { proxy: `${url.protocol}//${url.host}` };
  } catch (error) {
    if (!(error instanceof UndecryptableSecret)) throw error;
    log?.warn({ accountId, column: 'proxy_encrypted', reason: error.reason }, 'an account\'s proxy cannot be decrypted; set it again');
    return { proxy: null, proxyError: 'undecryptable' };
  }
}

/** Replaces the account's browser profile; `proxy` left out keeps the current one. */
export async function setBrowserProfile(
  deps: { db: Db; keyring: Keyring; log?: SecretWarnings },
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
      invalid('proxy', 'must be a URL such as http://proxy.example:8080 (credentials, if any, as user:password@ before the host)');
    }
    if (!proxySchemes.has(url.protocol) || !url.hostname) invalid('proxy', 'must use http, https or socks5 and name a host');
    proxyEncrypted = encryptJson(deps.keyring, secretBindings.accountProxy(accountId), { url: url.toString() });
  }
  await updateAccountBrowser(deps.db, accountId, { browserProfile: profile, proxyEncrypted });
  const view = { ...profile, ...proxyView(deps.keyring, accountId, proxyEncrypted, deps.log) };
  await recordEvent(deps.db, 'manual_adjustment', { change: 'browser_profile', username: found.account.username, browserProfile: view }, {
    accountId, modelId: found.account.modelId, actor,
  });
  return view;
}

/**
 * What account commands need: the database, the Temporal client (releasing signals workflows), the key of secrets
 * at rest and, for X's cost estimate, the platform API settings.
 */
export type AccountServiceDeps = PublicationServiceDeps & AccountViewDeps;
/** `publicUrl`: where tracking links live (PUBLIC_URL). */
type AccountViewDeps = { db: Db; keyring: Keyring; publicUrl: string; platformApis?: PlatformApis; log?: SecretWarnings };

/** How an account links, by its driver. */
function connectWays(driver: string): Account['connectWays'] {
  if (driverKindOf(driver) === 'browser') return ['session'];
  return isOAuthDriver(driver) ? ['oauth', 'credentials'] : ['credentials'];
}

/**
 * X bills each post, and a post carrying a URL much more. The link in the post: one such post. The link in a
 * reply: a plain post plus a reply carrying the URL — it costs more, and is chosen because X shows posts with
 * links to fewer people.
 */
export function estimatedXCostUsd(x: PlatformApis['x'], settings: AccountPublishSettings | null, hasLink: boolean): number {
  if (!hasLink) return x.postCostUsd;
  return settings?.linkInReply ? x.postCostUsd + x.linkPostCostUsd : x.linkPostCostUsd;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/**
 * What is left today of each account's publishing cap, in two reads for a whole page: YouTube's project day and
 * the recent posts of the Instagram and TikTok-inbox accounts (core/platform-quotas.ts).
 */
async function quotasToday(deps: AccountViewDeps, rows: AccountViewRow[], now = new Date()): Promise<Map<string, QuotaToday>> {
  const quotas = new Map<string, QuotaToday>();
  const apis = deps.platformApis;
  if (!apis) return quotas;
  const youtubeRows = rows.filter((r) => r.driver === 'youtube');
  if (youtubeRows.length > 0) {
    const today = youtubeQuotaToday(apis.youtube.dailyQuotaUnits, await quotaUsage(deps.db, 'youtube', youtubeQuotaDay(now)), now);
    for (const row of youtubeRows) quotas.set(row.account.id, today);
  }
  const since = new Date(now.getTime() - 86_400_000);
  const rolling = async (accounts: AccountViewRow[], status: PublicationStatus, limit: number, unit: QuotaToday['unit']) => {
    const times = await postTimesByAccount(deps.db, accounts.map((r) => r.account.id), status, since);
    for (const row of accounts) quotas.set(row.account.id, rollingQuota(limit, unit, times.get(row.account.id) ?? [], now));
  };
  await rolling(rows.filter((r) => r.driver === 'instagram'), 'published', INSTAGRAM_POSTS_PER_24H, 'posts');
  await rolling(rows.filter((r) => r.driver === 'tiktok' && r.account.publishSettings?.tiktokMode === 'inbox'), 'published_as_draft', TIKTOK_INBOX_DRAFTS_PER_24H, 'drafts');
  return quotas;
}

function appWarningsOf(apis: PlatformApis | undefined, driver: string): Account['appWarnings'] {
  if (driver === 'youtube' && apis && !apis.youtube.projectAudited) return ['youtube_unaudited'];
  if (driver === 'tiktok' && apis && !apis.tiktok.appAudited) return ['tiktok_unaudited'];
  return [];
}

/** An account as the admin sees it: session health, status, links, browser profile; never the session itself. */
function accountView(deps: AccountViewDeps, row: AccountViewRow, quota: QuotaToday | undefined): Account {
  const { account } = row;
  return {
    id: account.id,
    modelId: account.modelId,
    modelName: row.modelName,
    platformId: account.platformId,
    platformName: row.platformName,
    username: account.username,
    status: account.status,
    profileUrl: account.profileUrl,
    streamUrl: account.streamUrl,
    trackingUrl: trackingUrl(deps.publicUrl, account.trackingCode),
    publicationCount: row.publicationCount,
    sessionSaved: account.authData !== null,
    lastSessionState: account.lastSessionState,
    lastSessionCheckAt: iso(account.lastSessionCheckAt),
    lastAuthenticatedAt: iso(account.lastAuthenticatedAt),
    sessionHealth: { state: row.sessionHealth, checkedAt: iso(account.lastSessionCheckAt) },
    browserProfile: { ...(account.browserProfile ?? {}), ...proxyView(deps.keyring, account.id, account.proxyEncrypted, deps.log) },
    driver: row.driver,
    publishesVia: driverKindOf(row.driver),
    connectWays: connectWays(row.driver),
    publishSettings: account.publishSettings ?? {},
    modelSensitive: row.modelSensitive,
    estimatedCostUsd: row.driver === 'x' && deps.platformApis
      ? estimatedXCostUsd(deps.platformApis.x, account.publishSettings, true)
      : null,
    quotaToday: quota ?? null,
    appWarnings: appWarningsOf(deps.platformApis, row.driver),
  };
}

const notFound = (accountId: string) => new ServiceError('not_found', 'not_found', `account ${accountId} not found`);

async function mustAccountView(deps: AccountViewDeps, accountId: string): Promise<Account> {
  const row = await findAccountView(deps.db, accountId);
  if (!row) throw notFound(accountId);
  return accountView(deps, row, (await quotasToday(deps, [row])).get(row.account.id));
}

// ── The list ─────────────────────────────────────────────────────────────────────────────────

/** The cursor is opaque to clients: base64url of the last row's sort key. */
function encodeCursor(key: AccountListKey): string {
  return Buffer.from(JSON.stringify([key.modelName, key.platformName, key.username, key.id])).toString('base64url');
}

function decodeCursor(cursor: string): AccountListKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 4 && parsed.every((v) => typeof v === 'string')
      && /^[0-9a-f-]{36}$/i.test(parsed[3] as string)) {
      const [modelName, platformName, username, id] = parsed as string[];
      return { modelName: modelName!, platformName: platformName!, username: username!, id: id! };
    }
  } catch {
    // falls through to the error below
  }
  throw new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor this list gave out', { fields: { cursor: 'not a cursor this list gave out' } });
}

/**
 * Accounts ordered by model name, platform, username (the page groups them by model), one keyset page at a
 * time, plus every account matching the other filters counted by session health.
 */
export async function listAccounts(deps: AccountViewDeps, query: AccountListQuery): Promise<AccountList> {
  const limit = query.limit ?? 50;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const filter = { q: query.q, modelId: query.modelId, platformId: query.platformId, status: query.status, health: query.health };
  const rows = await listAccountsPage(deps.db, filter, { limit: limit + 1, after });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  // Counted without the health filter: the summary is what the admin picks a health state from.
  const counts = await countAccountsByHealth(deps.db, { ...filter, health: undefined });
  const byHealth: Record<string, number> = Object.fromEntries(sessionHealthStates.map((state) => [state, 0]));
  for (const { health, n } of counts) byHealth[health] = n;
  const quotas = await quotasToday(deps, page);
  return {
    items: page.map((row) => accountView(deps, row, quotas.get(row.account.id))),
    nextCursor: rows.length > limit && last
      ? encodeCursor({ modelName: last.modelName, platformName: last.platformName, username: last.account.username, id: last.account.id })
      : null,
    summary: { total: counts.reduce((sum, c) => sum + c.n, 0), byHealth },
  };
}

// ── Create, edit, deactivate, delete ─────────────────────────────────────────────────────────

function invalidFields(fields: Record<string, string>): never {
  const [field, problem] = Object.entries(fields)[0]!;
  throw new ServiceError('invalid', 'invalid_account', `${field}: ${problem}`, { fields });
}

/** `@Ana ` → `Ana`; anything with spaces or nothing left is refused. */
function normalizedUsername(raw: string, fields: Record<string, string>): string | undefined {
  const username = raw.trim().replace(/^@/, '').trim();
  if (!username) fields.username = 'must not be empty';
  else if (!/^[^\s@]\S*$/u.test(username) || /\p{Cc}/u.test(username)) fields.username = 'must be the platform username: no spaces, at most one leading @';
  else return username;
  return undefined;
}

/** An http(s) URL, null to clear (an empty string clears too), undefined to leave as it is. */
function normalizedUrl(field: string, raw: string | null | undefined, fields: Record<string, string>): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || raw.trim() === '') return null;
  const text = raw.trim();
  try {
    const url = new URL(text);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) return text;
  } catch {
    // reported below
  }
  fields[field] = 'must be an http or https URL, e.g. https://example.com/ana';
  return undefined;
}

function duplicate(username: string, platformName: string): ServiceError {
  return new ServiceError('conflict', 'duplicate_account', `${platformName} already has an account @${username}`, {
    fields: { username: `${platformName} already has an account @${username}` },
  });
}

/** The unique (platform, username) constraint: a create or rename that raced another one. */
const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === '23505'
  || (error as { cause?: { code?: string } })?.cause?.code === '23505';

/** A new account of a model on a platform; the session is linked afterwards (file or password login). */
/** 10 random lower-case hex characters (40 bits): `core/tracking.ts trackingCodePattern`. */
const newTrackingCode = () => randomBytes(5).toString('hex');

/**
 * Gives the account a new tracking code (a link that leaked, or a fresh start for its numbers). The old code moves
 * to `tracking_code_history`: posts already out keep redirecting and counting for this account.
 */
export async function issueTrackingLink(deps: AccountViewDeps, accountId: string, actor: string): Promise<TrackingLinkIssued> {
  const previousCodes = await inTransaction(deps.db, async (tx) => {
    const locked = await lockAccountWithContext(tx, accountId);
    if (!locked) throw notFound(accountId);
    const { account, platform } = locked;
    // A collision with a current or retired code (40 random bits: practically never) just draws again.
    let code = newTrackingCode();
    while (await trackingCodeTaken(tx, code)) code = newTrackingCode();
    await retireTrackingCode(tx, account.id, account.trackingCode);
    await updateAccountFields(tx, account.id, { trackingCode: code });
    await recordEvent(tx, 'account_updated', { username: account.username, platform: platform.name, changed: ['trackingCode'] }, {
      accountId: account.id, modelId: account.modelId, actor,
    });
    return retiredTrackingCodes(tx, account.id);
  });
  const account = await mustAccountView(deps, accountId);
  return { trackingUrl: account.trackingUrl, previousCodes };
}

export async function createAccount(deps: AccountViewDeps, input: AccountCreateBody & { actor: string }): Promise<Account> {
  const fields: Record<string, string> = {};
  const username = normalizedUsername(input.username, fields);
  const urls = {
    profileUrl: normalizedUrl('profileUrl', input.profileUrl, fields),
    streamUrl: normalizedUrl('streamUrl', input.streamUrl, fields),
  };
  if (Object.keys(fields).length > 0 || !username) invalidFields(fields);
  const [model, platform] = await Promise.all([findModel(deps.db, input.modelId), findPlatform(deps.db, input.platformId)]);
  if (!model) throw new ServiceError('not_found', 'unknown_model', `modelId: no model ${input.modelId}`, { fields: { modelId: 'no such model' } });
  if (!platform) throw new ServiceError('not_found', 'unknown_platform', `platformId: no platform ${input.platformId}`, { fields: { platformId: 'no such platform' } });
  if (await findAccountByUsername(deps.db, platform.id, username)) throw duplicate(username, platform.name);
  let created: PlatformAccount;
  try {
    created = await inTransaction(deps.db, async (tx) => {
      const row = await insertAccount(tx, {
        modelId: model.id, platformId: platform.id, username, profileUrl: urls.profileUrl ?? null, streamUrl: urls.streamUrl ?? null,
        trackingCode: newTrackingCode(), status: 'active',
      });
      await recordEvent(tx, 'account_created', { username, platform: platform.name }, { accountId: row.id, modelId: model.id, actor: input.actor });
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(username, platform.name);
    throw error;
  }
  return mustAccountView(deps, created.id);
}

type LockedAccount = NonNullable<Awaited<ReturnType<typeof lockAccountWithContext>>>;

/** Inside the caller's transaction: the account becomes `disabled` and its scheduled publications are held, each with an event. */
async function deactivate(tx: Db, locked: LockedAccount): Promise<string[]> {
  const { account } = locked;
  await updateAccountFields(tx, account.id, { status: 'disabled' });
  const held = await holdAccountPublications(tx, account.id);
  for (const p of held) {
    await recordEvent(tx, 'publication_held', { cause: 'account', username: account.username, accountStatus: 'disabled' }, {
      publicationId: p.id, contentId: p.contentId, accountId: account.id, modelId: account.modelId,
    });
  }
  return held.map((p) => p.id);
}

/**
 * Edits an account. Fields left out stay, null (or "") clears a URL. `status: 'disabled'` deactivates it (its
 * scheduled publications are held; any that comes due is held by beginPublication too); `'active'` makes it
 * active again and releases its held publications whose model is not paused and platform is active, as resume does.
 */
export async function updateAccount(deps: AccountServiceDeps, accountId: string, input: AccountPatchBody & { actor: string }): Promise<AccountUpdate> {
  const fields: Record<string, string> = {};
  const username = input.username === undefined ? undefined : normalizedUsername(input.username, fields);
  const urls = {
    profileUrl: normalizedUrl('profileUrl', input.profileUrl, fields),
    streamUrl: normalizedUrl('streamUrl', input.streamUrl, fields),
  };
  if (Object.keys(fields).length > 0) invalidFields(fields);
  let outcome: { held: string[]; released: string[] };
  let platformName = 'the platform';
  try {
    outcome = await inTransaction(deps.db, async (tx) => {
      const locked = await lockAccountWithContext(tx, accountId);
      if (!locked) throw notFound(accountId);
      const { account, platform } = locked;
      platformName = platform.name;
      const changed: string[] = [];
      const values: Parameters<typeof updateAccountFields>[2] = {};
      if (username !== undefined && username !== account.username) {
        if (await findAccountByUsername(tx, platform.id, username, account.id)) throw duplicate(username, platform.name);
        values.username = username;
        changed.push('username');
      }
      for (const key of ['profileUrl', 'streamUrl'] as const) {
        const next = urls[key];
        if (next !== undefined && next !== account[key]) {
          values[key] = next;
          changed.push(key);
        }
      }
      if (input.publishSettings !== undefined) {
        const problems = publishSettingsProblems(platform.technicalConfig.driver, input.publishSettings);
        if (Object.keys(problems).length > 0) invalidFields(problems);
        values.publishSettings = input.publishSettings;
        changed.push('publishSettings');
      }
      if (Object.keys(values).length > 0) await updateAccountFields(tx, account.id, values);
      let held: string[] = [];
      let released: string[] = [];
      if (input.status === 'disabled' && account.status !== 'disabled') {
        held = await deactivate(tx, { ...locked, account: { ...account, ...values } });
        changed.push('status');
      } else if (input.status === 'active' && account.status !== 'active') {
        await updateAccountFields(tx, account.id, { status: 'active' });
        released = (await releaseAccountPublications(tx, account.id)).map((p) => p.id);
        changed.push('status');
      }
      if (changed.length > 0) {
        await recordEvent(tx, 'account_updated', {
          username: values.username ?? account.username, platform: platform.name, changed,
          ...(changed.includes('status') ? { status: input.status } : {}),
        }, { accountId: account.id, modelId: account.modelId, actor: input.actor });
      }
      return { held, released };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(username ?? '', platformName);
    throw error;
  }
  // After the commit: the workflows of released publications wait for their time again (as resume does).
  await releasePublications(deps, outcome.released, input.actor);
  return { ...(await mustAccountView(deps, accountId)), ...outcome };
}

/**
 * Deletes an account that never had a publication; one with publications keeps its history and is deactivated
 * instead (its scheduled publications are held).
 */
export async function deleteAccount(deps: { db: Db }, accountId: string, input: { actor: string }): Promise<AccountDeleteResult> {
  return inTransaction(deps.db, async (tx) => {
    const locked = await lockAccountWithContext(tx, accountId);
    if (!locked) throw notFound(accountId);
    const { account, platform } = locked;
    const publicationCount = await countAccountPublications(tx, accountId);
    if (publicationCount === 0) {
      await deleteAccountRow(tx, accountId);
      // Not linked to the account (the row is gone): the payload keeps who it was.
      await recordEvent(tx, 'account_deleted', { username: account.username, platform: platform.name }, { modelId: account.modelId, actor: input.actor });
      return { outcome: 'deleted' as const, publicationCount };
    }
    if (account.status !== 'disabled') {
      await deactivate(tx, locked);
      await recordEvent(tx, 'account_updated', { username: account.username, platform: platform.name, changed: ['status'], status: 'disabled' }, {
        accountId, modelId: account.modelId, actor: input.actor,
      });
    }
    return { outcome: 'deactivated' as const, publicationCount };
  });
}

/** Settings that only make sense on one platform are refused elsewhere, naming the field. */
function publishSettingsProblems(driver: string, settings: AccountPublishSettings): Record<string, string> {
  const problems: Record<string, string> = {};
  if (settings.linkInReply !== undefined && driver !== 'x') problems['publishSettings.linkInReply'] = 'only X accounts put the link in a reply';
  if (settings.subreddits !== undefined && driver !== 'reddit') problems['publishSettings.subreddits'] = 'only Reddit accounts post to subreddits';
  if (settings.youtubePrivacy !== undefined && driver !== 'youtube') problems['publishSettings.youtubePrivacy'] = 'only YouTube accounts have an upload privacy';
  for (const field of ['tiktokMode', 'tiktokPrivacy', 'tiktokBrandOrganic'] as const) {
    if (settings[field] !== undefined && driver !== 'tiktok') problems[`publishSettings.${field}`] = 'only TikTok accounts have this setting';
  }
  const names = (settings.subreddits ?? []).map((t) => t.subreddit.toLowerCase());
  if (new Set(names).size !== names.length) problems['publishSettings.subreddits'] = 'each subreddit once';
  return problems;
}
