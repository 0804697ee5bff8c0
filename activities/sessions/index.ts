/** Pipeline activities of session health: which accounts to check, and what a check result changes. */
import { ApplicationFailure } from '@temporalio/activity';
import { accountContext, accountsToCheck, recordSessionState } from '../../db/accounts.js';
import { setAccountStatusMoving } from '../../db/accounts.js';
import { recordEvent } from '../../db/events.js';
import type { SessionCheckOutcome, SessionState } from '../../contracts/workflows.js';
import type { ActivityDeps } from '../deps.js';

export function createSessionActivities({ db }: ActivityDeps) {
  return {
    async listAccountsToCheck(): Promise<string[]> {
      return (await accountsToCheck(db)).map((row) => row.id);
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
      const who = `@${account.username} on ${platform.name}`;
      await recordSessionState(db, accountId, state);
      await recordEvent(db, { ...ids, type: 'session_checked', description: `${who}: ${state}`, data: { state } });
      let status: string = account.status;
      const releasedWorkflowIds: string[] = [];
      if ((state === 'logged_out' || state === 'challenge') && account.status !== 'session_expired' && account.status !== 'disabled') {
        const held = await setAccountStatusMoving(db, accountId, 'session_expired', { from: 'scheduled', to: 'held' });
        status = 'session_expired';
        const why = state === 'challenge' ? 'the platform asks for a verification (captcha/2FA)' : 'the saved session is logged out';
        await recordEvent(db, { ...ids, type: 'session_expired', description: `${who}: ${why}; ${held.length} publication(s) held`, data: { state, held: held.map((h) => h.id) } });
        await recordEvent(db, { ...ids, type: 'alert', description: `Sesión caducada: ${who} (${why}). Vuelve a vincular la sesión.`, data: { kind: 'session_expired', state } });
      } else if (state === 'logged_in' && account.status === 'session_expired') {
        const released = await setAccountStatusMoving(db, accountId, 'active', { from: 'held', to: 'scheduled' });
        status = 'active';
        releasedWorkflowIds.push(...released.flatMap((p) => (p.workflowId ? [p.workflowId] : [])));
        await recordEvent(db, { ...ids, type: 'account_resumed', description: `${who} logged in again; ${released.length} publication(s) released`, data: { released: released.map((p) => p.id) } });
      } else if (state === 'unknown') {
        await recordEvent(db, { ...ids, type: 'alert', description: `No se pudo comprobar la sesión de ${who}; revisa la cuenta.`, data: { kind: 'session_unknown' } });
      }
      return { accountId, state, status, releasedWorkflowIds };
    },
  };
}
export type SessionActivities = ReturnType<typeof createSessionActivities>;
