/**
 * Session health: one account's check (optionally after a credentials login), and the sweep over every
 * saved session that a Temporal Schedule starts (default every 6 h).
 */
import { executeChild, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import {
  releaseSignal, sessionCheckWorkflowId, type SessionCheckInput, type SessionCheckOutcome, type SessionHealthInput,
} from '../contracts/workflows.js';

export async function sessionCheckWorkflow(input: SessionCheckInput): Promise<SessionCheckOutcome> {
  const { pipeline, browser } = activitiesFor(lifecycleOptions(input.options));
  if (input.credentials) {
    const state = await browser.loginAccount(input.accountId, input.credentials);
    log.info('login finished', { accountId: input.accountId, state });
  }
  const state = await browser.checkAccountSession(input.accountId);
  const outcome = await pipeline.applySessionCheck(input.accountId, state, input.actor);
  for (const workflowId of outcome.releasedWorkflowIds) {
    // A publication whose run already ended stays held in the database until someone retries it.
    await getExternalWorkflowHandle(workflowId)
      .signal(releaseSignal, { actor: input.actor, at: new Date().toISOString() })
      .catch((error: Error) => log.warn('could not release a held publication', { workflowId, error: error.message }));
  }
  return outcome;
}

export async function sessionHealthWorkflow(input: SessionHealthInput = {}): Promise<{ checked: number; states: Record<string, number> }> {
  const { pipeline } = activitiesFor(lifecycleOptions(input.options));
  const accountIds = await pipeline.listAccountsToCheck();
  const suffix = workflowInfo().workflowId.replace(/[^a-zA-Z0-9-]/g, '').slice(-24);
  const outcomes = await Promise.all(
    accountIds.map((accountId) =>
      executeChild(sessionCheckWorkflow, {
        workflowId: sessionCheckWorkflowId(accountId, suffix),
        args: [{ accountId, actor: 'schedule', options: input.options }],
      }).catch((error: Error) => {
        log.warn('session check failed', { accountId, error: error.message });
        return undefined;
      }),
    ),
  );
  const states: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome?.state ?? 'failed';
    states[key] = (states[key] ?? 0) + 1;
  }
  return { checked: accountIds.length, states };
}
