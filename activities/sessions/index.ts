/** Pipeline activities of session health: which accounts to check, and what a check result changes. */
import { ApplicationFailure } from '@temporalio/activity';
import { accountContext, accountsToCheck, recordSessionState } from '../../db/accounts.js';
import { setAccountStatusMoving } from '../../db/accounts.js';
import { recordEvent } from '../../db/events.js';
import type { SessionCheckOutcome, SessionState } from '../../contracts/workflows.js';
import type { ActivityDeps } from '../deps.js';
import { driverKindOf, type DriverKind } from '../../contracts/drivers.js';

export function createSessionActivities({ db }: ActivityDeps) {
  return {
    /** Kept for sweeps that started before API drivers (workflows/session.ts patch). */
    async listAccountsToCheck(): Promise<string[]> {
      return (await accountsToCheck(db)).map((row) => row.id);
    },

    /** Every saved session or token to check, with the queue that checks it. */
    async listSessionChecks(): Promise<{ accountId: string; driverKind: DriverKind }[]> {
      return (await accountsToCheck(db)).map((row) => ({ accountId: row.id, driverKind: driverKindOf(row.driver) }));
    },

    /**
     * Records a check. Logged out or challenged: the account becomes `session_expired`, its scheduled
     * publications are held and one alert is raised (not again while it stays expired). Logged in after
     * an expiry: active again, held publications released. `unknown` never counts as valid: it changes
     * nothing but raises an alert, so a person looks.
     */
    async applySessionCheck(accountId: string, state: SessionState, actor: string): Promise<SessionCheckOutcome> {
      const setup = await accountContext(db, accountId);
      if (!setup) throw ApplicationFailure.nonRetryable(`account ${accountId} not found`, 'NotFound');
      const { account, platform } = setup;
      const ids = { accountId, modelId: account.modelId, actor };
      const who = { username: account.username, platform: platform.name };
      await recordSessionState(db, accountId, state);
      await recordEvent(db, 'session_checked', { ...who, state }, ids);
      let status: string = account.status;
      const releasedWorkflowIds: string[] = [];
      if ((state === 'logged_out' || state === 'challenge') && account.status !== 'session_expired' && account.status !== 'disabled') {
        const held = await setAccountStatusMoving(db, accountId, 'session_expired', { from: 'scheduled', to: 'held' });
        status = 'session_expired';
        await recordEvent(db, 'session_expired', { ...who, state, held: held.map((h) => h.id) }, ids);
        await recordEvent(db, 'alert', { kind: 'session_expired', ...who, state }, ids);
      } else if (state === 'logged_in' && account.status === 'session_expired') {
        const released = await setAccountStatusMoving(db, accountId, 'active', { from: 'held', to: 'scheduled' });
        status = 'active';
        releasedWorkflowIds.push(...released.flatMap((p) => (p.workflowId ? [p.workflowId] : [])));
        await recordEvent(db, 'account_resumed', { username: account.username, loggedInOn: platform.name, released: released.map((p) => p.id) }, ids);
      } else if (state === 'unknown') {
        await recordEvent(db, 'alert', { kind: 'session_unknown', ...who }, ids);
      }
      return { accountId, state, status, releasedWorkflowIds };
    },
  };
}
export type SessionActivities = ReturnType<typeof createSessionActivities>;
