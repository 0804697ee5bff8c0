/**
 * Session health: one account's check (optionally after a credentials login, or connecting an API account), and
 * the sweep over every saved session that a Temporal Schedule starts (default every 6 h). Browser sessions are
 * checked on the browser queue, API tokens on the api queue.
 */
import { executeChild, getExternalWorkflowHandle, log, patched, workflowInfo } from '@temporalio/workflow';
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import {
  releaseSignal, sessionCheckWorkflowId, type SessionCheckInput, type SessionCheckOutcome, type SessionHealthInput,
} from '../contracts/workflows.js';
import type { DriverKind } from '../contracts/drivers.js';

export async function sessionCheckWorkflow(input: SessionCheckInput): Promise<SessionCheckOutcome> {
  const { pipeline, browser, api } = activitiesFor(lifecycleOptions(input.options));
  if (input.credentials) {
    const state = await browser.loginAccount(input.accountId, input.credentials);
    log.info('login finished', { accountId: input.accountId, state });
  }
  if (input.connect) await api.connectAccount(input.accountId, input.connect, input.actor);
  const checker = input.driverKind === 'api' ? api : browser;
  const state = await checker.checkAccountSession(input.accountId);
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
  // Sweeps that started before API drivers listed browser accounts only.
  const targets: { accountId: string; driverKind: DriverKind }[] = patched('session-checks-by-driver-kind')
    ? await pipeline.listSessionChecks()
    : (await pipeline.listAccountsToCheck()).map((accountId) => ({ accountId, driverKind: 'browser' as const }));
  const suffix = workflowInfo().workflowId.replace(/[^a-zA-Z0-9-]/g, '').slice(-24);
  const outcomes = await Promise.all(
    targets.map(({ accountId, driverKind }) =>
      executeChild(sessionCheckWorkflow, {
        workflowId: sessionCheckWorkflowId(accountId, suffix),
        args: [{ accountId, actor: 'schedule', driverKind, options: input.options }],
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
  return { checked: targets.length, states };
}
