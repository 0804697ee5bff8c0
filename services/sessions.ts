/**
 * Linking platform sessions: import a session file (Playwright storageState, a browser-extension
 * cookie export, Netscape cookies.txt), log in with credentials where the driver can, check a session
 * on demand, and keep the Temporal Schedule that checks every saved session. Shared by the API, the
 * dashboard and the bot.
 */
import { ApplicationFailure, ScheduleAlreadyRunning, WorkflowFailedError, type Client } from '@temporalio/client';
import { driverKindOf } from '../contracts/drivers.js';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { parseSessionFile, SessionImportError } from '../core/session-import.js';
import {
  sessionCheckWorkflowId, sessionHealthScheduleId, TaskQueues, WorkflowTypes, type SessionCheckOutcome, type SessionCheckWorkflow, type SessionHealthWorkflow,
} from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { encryptJson, secretBindings, type Keyring } from '../crypto/secrets.js';
import { storeAccountSession } from '../db/accounts.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { recordEvent } from '../db/events.js';
import { ServiceError, viaTemporal } from './errors.js';

export interface SessionServiceDeps {
  db: Db;
  temporal: Client;
  keyring: Keyring;
  /** Timing knobs (heartbeat, activity timeouts) the session workflows run with; their defaults when absent. */
  lifecycle?: LifecycleOptions;
}

/** How long a caller waits for a check before getting the workflow id to follow instead. */
const checkWaitMs = 90_000;

export type CheckReply = SessionCheckOutcome | { accountId: string; state: 'pending'; workflowId: string };

/** Session files and password logins are for browser platforms; an API account connects (services/connections.ts). */
function refuseApiAccount(platform: { name: string; technicalConfig: { driver: string } }) {
  if (driverKindOf(platform.technicalConfig.driver) === 'api') {
    throw new ServiceError('conflict', 'api_platform', `${platform.name} publishes through its official API: connect the account (OAuth or POST /api/accounts/:id/credentials) instead of a browser session`);
  }
}

export async function mustAccount(db: Db, accountId: string) {
  const found = await findAccountWithPlatform(db, accountId);
  if (!found) throw new ServiceError('not_found', 'not_found', `account ${accountId} not found`);
  return found;
}

/**
 * Runs one session check (after a login when credentials are given, or after connecting an API account) and
 * waits a bounded time for it. A refused connection fails with `CredentialsRejected` naming the field.
 */
export async function runCheck(
  deps: SessionServiceDeps, accountId: string, actor: string,
  extra: { driver: string; credentials?: string; connect?: string },
): Promise<CheckReply> {
  const { credentials, connect } = extra;
  const workflowId = sessionCheckWorkflowId(accountId, `${credentials ? 'login' : connect ? 'connect' : 'manual'}-${Date.now()}`);
  const handle = await viaTemporal('the session check', () =>
    deps.temporal.workflow.start<SessionCheckWorkflow>(WorkflowTypes.sessionCheck, {
      taskQueue: TaskQueues.pipeline, workflowId,
      args: [{ accountId, actor, credentials, connect, driverKind: driverKindOf(extra.driver), options: deps.lifecycle }],
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<CheckReply>((resolve) => (timer = setTimeout(() => resolve({ accountId, state: 'pending', workflowId }), checkWaitMs)));
  try {
    return await Promise.race([handle.result(), pending]);
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      const cause = (error.cause?.cause ?? error.cause) as Error | undefined;
      if (cause instanceof ApplicationFailure && cause.type === 'CredentialsRejected') {
        const field = (cause.details?.[0] as { field?: string } | undefined)?.field ?? 'credentials';
        throw new ServiceError('invalid', 'credentials_rejected', cause.message, { fields: { [field]: cause.message } });
      }
      throw new ServiceError('conflict', 'session_check_failed', `the session check failed: ${cause?.message ?? error.message}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stores an uploaded session file for the account (encrypted), then checks it right away. A file that
 * cannot be used is refused with a reason and changes nothing. The check needs Temporal and a browser
 * worker; when they are down the import still stands and the reply says the check did not run.
 */
export async function importAccountSession(
  deps: SessionServiceDeps,
  accountId: string,
  input: { fileText: string; fileName?: string; actor: string },
) {
  const { account, platform } = await mustAccount(deps.db, accountId);
  refuseApiAccount(platform);
  let parsed;
  try {
    parsed = parseSessionFile(input.fileText, { platformBaseUrl: platform.technicalConfig.baseUrl });
  } catch (error) {
    if (error instanceof SessionImportError) throw new ServiceError('invalid', `session_${error.code}`, error.message);
    throw error;
  }
  await storeAccountSession(deps.db, accountId, encryptJson(deps.keyring, secretBindings.accountAuthData(accountId), parsed.storageState));
  await recordEvent(deps.db, 'session_linked', {
    format: parsed.format, username: account.username, cookieCount: parsed.cookieCount, fileName: input.fileName ?? null, warnings: parsed.warnings,
  }, { accountId, modelId: account.modelId, actor: input.actor });
  const imported = { format: parsed.format, cookieCount: parsed.cookieCount, warnings: parsed.warnings };
  try {
    return { accountId, imported, check: await runCheck(deps, accountId, input.actor, { driver: platform.technicalConfig.driver }) };
  } catch (error) {
    if (error instanceof ServiceError) return { accountId, imported, check: null, checkError: error.message };
    throw error;
  }
}

/** Asks the platform, with the account's saved session, whether it is still logged in. */
export async function checkAccountSession(deps: SessionServiceDeps, accountId: string, input: { actor: string }): Promise<CheckReply> {
  const { account, platform } = await mustAccount(deps.db, accountId);
  if (!account.authData) throw new ServiceError('conflict', 'no_session', `@${account.username} has no saved session; import one, log in or connect it first`);
  return runCheck(deps, accountId, input.actor, { driver: platform.technicalConfig.driver });
}

/**
 * Logs the account in with a username and password (drivers that support it, like the demo). The
 * credentials travel encrypted and are never stored: only the resulting session is.
 */
export async function loginAccount(deps: SessionServiceDeps, accountId: string, input: { username?: string; password: string; actor: string }) {
  const { account, platform } = await mustAccount(deps.db, accountId);
  refuseApiAccount(platform);
  const credentials = encryptJson(deps.keyring, secretBindings.loginCredentials(accountId), { username: input.username ?? account.username, password: input.password });
  const reply = await runCheck(deps, accountId, input.actor, { driver: platform.technicalConfig.driver, credentials });
  if (reply.state === 'logged_in') {
    await recordEvent(deps.db, 'session_linked', { format: 'login', username: account.username, platform: platform.name }, {
      accountId, modelId: account.modelId, actor: input.actor,
    });
  }
  return reply;
}

/** Creates (or re-times) the Schedule that checks every saved session. Idempotent across roles and restarts. */
export async function ensureSessionHealthSchedule(temporal: Client, intervalMs: number, lifecycle?: LifecycleOptions): Promise<void> {
  const spec = { intervals: [{ every: intervalMs }] };
  const args: Parameters<SessionHealthWorkflow> = [{ options: lifecycle }];
  try {
    await temporal.schedule.create({
      scheduleId: sessionHealthScheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: WorkflowTypes.sessionHealth, taskQueue: TaskQueues.pipeline, args },
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { purpose: 'checks every saved platform session' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(sessionHealthScheduleId).update((previous) => ({ ...previous, spec, action: { ...previous.action, args } }));
  }
}
