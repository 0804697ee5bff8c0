/**
 * Connecting accounts of official-API platforms (DESIGN "Platform drivers"):
 * - OAuth 2.0 authorization code + PKCE (X, Reddit): `connectUrl` builds the provider's authorize URL with a
 *   `state` that is AES-256-GCM encrypted and authenticated with the app key (so it is signed, cannot be forged
 *   or altered, and carries the PKCE verifier without a server-side table), valid for 10 minutes;
 *   `finishOAuth` checks it and has the worker exchange the code.
 * - A credentials body for self-hosters who already hold tokens and for platforms without OAuth (Bluesky app
 *   password, Telegram channel id): `connectWithCredentials`.
 * Either way the request travels to the worker encrypted (never in clear in Temporal's history), the API is asked
 * at once, and only the resulting tokens are stored, encrypted. A connection releases publications held while
 * the account's session was expired.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AppConfig } from '../config.js';
import { driverKindOf, isOAuthDriver, oauthClientEnv, oauthScopes, type OAuthDriverKey } from '../contracts/drivers.js';
import { decryptJson, encryptJson, secretBindings } from '../crypto/secrets.js';
import { ServiceError } from './errors.js';
import { mustAccount, runCheck, type CheckReply, type SessionServiceDeps } from './sessions.js';

export interface ConnectionDeps extends SessionServiceDeps {
  config: Pick<AppConfig, 'platformApis' | 'http'>;
}

/** How long an admin has between "Conectar" and coming back from the provider. */
const stateTtlMs = 10 * 60_000;

interface OAuthState {
  accountId: string;
  platform: OAuthDriverKey;
  verifier: string;
  expiresAt: number;
  actor: string;
}

export function oauthRedirectUri(config: Pick<AppConfig, 'http'>, platform: string): string {
  return `${config.http.publicUrl.replace(/\/+$/, '')}/oauth/callback/${platform}`;
}

async function mustApiAccount(deps: ConnectionDeps, accountId: string) {
  const found = await mustAccount(deps.db, accountId);
  if (driverKindOf(found.platform.technicalConfig.driver) !== 'api') {
    throw new ServiceError('conflict', 'browser_platform', `${found.platform.name} publishes through a browser session: import a session file or log in instead`);
  }
  return found;
}

function oauthClientOf(config: ConnectionDeps['config'], platform: OAuthDriverKey) {
  const client = config.platformApis[platform].client;
  if (!client) {
    const env = oauthClientEnv[platform];
    throw new ServiceError('conflict', 'oauth_not_configured', `${platform} OAuth is not configured: set ${env.id} and ${env.secret} (see .env.example), or send the tokens to POST /api/accounts/:id/credentials`);
  }
  return client;
}

/** The provider's authorize URL for this account (the caller redirects the admin's browser there). */
export async function connectUrl(deps: ConnectionDeps, accountId: string, input: { actor: string }): Promise<string> {
  const { platform } = await mustApiAccount(deps, accountId);
  const driver = platform.technicalConfig.driver;
  if (!isOAuthDriver(driver)) {
    throw new ServiceError('conflict', 'no_oauth', `${platform.name} has no OAuth connection: send its credentials to POST /api/accounts/:id/credentials`);
  }
  const client = oauthClientOf(deps.config, driver);
  const verifier = randomBytes(32).toString('base64url');
  const state: OAuthState = { accountId, platform: driver, verifier, expiresAt: Date.now() + stateTtlMs, actor: input.actor };
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: oauthRedirectUri(deps.config, driver),
    scope: oauthScopes[driver].join(' '),
    // The envelope is URL-safe already (base64url parts); X refuses a state over 500 characters.
    state: encryptJson(deps.keyring, secretBindings.oauthState(driver), state),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const apis = deps.config.platformApis;
  switch (driver) {
    case 'reddit':
      // Reddit hands out a refresh token only for `duration=permanent`.
      params.set('duration', 'permanent');
      return `${apis.reddit.authRoot}/api/v1/authorize?${params}`;
    case 'youtube':
      // Google gives a refresh token only for offline access, and again only when consent is asked again.
      params.set('access_type', 'offline');
      params.set('prompt', 'consent');
      return `${apis.youtube.authorizeUrl}?${params}`;
    case 'instagram':
      // Instagram takes its scopes comma-separated.
      params.set('scope', oauthScopes.instagram.join(','));
      return `${apis.instagram.authorizeUrl}?${params}`;
    case 'tiktok':
      // TikTok names the app `client_key` and takes its scopes comma-separated.
      params.delete('client_id');
      params.set('client_key', client.clientId);
      params.set('scope', oauthScopes.tiktok.join(','));
      return `${apis.tiktok.authorizeUrl}?${params}`;
    case 'x':
      return `${apis.x.authorizeUrl}?${params}`;
  }
}

function readState(deps: ConnectionDeps, raw: string, platform: string): OAuthState {
  let state: OAuthState;
  try {
    state = decryptJson<OAuthState>(deps.keyring, secretBindings.oauthState(platform), raw);
  } catch {
    throw new ServiceError('invalid', 'oauth_state_invalid', 'the OAuth state is not one this server issued', { fields: { state: 'not issued by this server' } });
  }
  if (state.platform !== platform) throw new ServiceError('invalid', 'oauth_state_invalid', `the OAuth state was issued for ${state.platform}, not ${platform}`, { fields: { state: 'issued for another platform' } });
  if (state.expiresAt < Date.now()) throw new ServiceError('invalid', 'oauth_state_expired', 'the connection took longer than 10 minutes; start it again', { fields: { state: 'expired' } });
  return state;
}

/**
 * The provider sent the admin back: checks the state, then has the worker trade the code (with the PKCE verifier)
 * for tokens, stored encrypted, and check them at once.
 */
export async function finishOAuth(
  deps: ConnectionDeps, platform: string, query: { code?: string; state?: string; error?: string; error_description?: string },
): Promise<{ accountId: string; check: CheckReply }> {
  if (!query.state) throw new ServiceError('invalid', 'oauth_state_missing', 'the provider sent no state back', { fields: { state: 'missing' } });
  const state = readState(deps, query.state, platform);
  if (query.error) {
    throw new ServiceError('invalid', 'oauth_denied', `${platform} said ${query.error}${query.error_description ? `: ${query.error_description}` : ''}`, { fields: { error: query.error } });
  }
  if (!query.code) throw new ServiceError('invalid', 'oauth_code_missing', 'the provider sent no authorization code', { fields: { code: 'missing' } });
  const { platform: row } = await mustApiAccount(deps, state.accountId);
  const connect = encryptJson(deps.keyring, secretBindings.connectRequest(state.accountId), { way: 'oauth', code: query.code, codeVerifier: state.verifier, redirectUri: oauthRedirectUri(deps.config, platform) });
  const check = await runCheck(deps, state.accountId, state.actor, { driver: row.technicalConfig.driver, connect });
  return { accountId: state.accountId, check };
}

/** Connects with a platform-specific body (validated by the driver, which names the wrong field), checked at once. */
export async function connectWithCredentials(deps: ConnectionDeps, accountId: string, input: { body: Record<string, unknown>; actor: string }): Promise<CheckReply> {
  const { platform } = await mustApiAccount(deps, accountId);
  const connect = encryptJson(deps.keyring, secretBindings.connectRequest(accountId), { way: 'credentials', body: input.body });
  return runCheck(deps, accountId, input.actor, { driver: platform.technicalConfig.driver, connect });
}
