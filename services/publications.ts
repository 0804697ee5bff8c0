/**
 * Publication controls (reschedule, publish now, cancel, retry) and account pause/resume, shared by the API,
 * the bot and the dashboard. The service checks what is allowed against the database and then signals the
 * publication's workflow, which owns every state change. A workflow that already ended (a failure nobody
 * retried for weeks) is started again by the same signal (signalWithStart).
 */
import type { Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { horizonEnd } from '../core/rules.js';
import { slotViolation } from '../core/scheduling.js';
import type { PublicationStatus } from '../core/types.js';
import type { Db } from '../db/client.js';
import { findAccountWithPlatform, setAccountStatusMoving } from '../db/accounts.js';
import { recordEvent } from '../db/events.js';
import { publicationContext } from '../db/publications.js';
import { loadPublishingContext, takenSlotsFor } from '../db/publishing-context.js';
import { ContentIdKey, ModelNameKey, PlatformKey, PublicationStatusKey } from '../contracts/search-attributes.js';
import {
  cancelSignal, publicationWorkflowId, publishNowSignal, releaseSignal, rescheduleSignal, retrySignal, TaskQueues, WorkflowTypes,
  type Actor, type PublicationWorkflow,
} from '../contracts/workflows.js';
import { ServiceError, viaTemporal } from './errors.js';

export interface PublicationServiceDeps {
  db: Db;
  temporal: Client;
  lifecycle: LifecycleOptions;
}

export type Control = 'reschedule' | 'publishNow' | 'cancel' | 'retry';

/** Which statuses each control accepts; anything else is a conflict the caller can explain. */
export const controlStatuses: Readonly<Record<Control, readonly PublicationStatus[]>> = {
  reschedule: ['scheduled', 'held', 'failed', 'unconfirmed'],
  publishNow: ['scheduled', 'held', 'failed', 'unconfirmed'],
  cancel: ['scheduled', 'held', 'failed', 'unconfirmed'],
  retry: ['failed', 'unconfirmed', 'held'],
};

async function controllable(db: Db, id: string, control: Control) {
  const ctx = await publicationContext(db, id);
  if (!ctx) throw new ServiceError('not_found', 'not_found', `publication ${id} not found`);
  const { status } = ctx.publication;
  if (!controlStatuses[control].includes(status)) {
    throw new ServiceError('conflict', 'invalid_state', `publication ${id} is ${status}; ${control} needs ${controlStatuses[control].join(' or ')}`);
  }
  return ctx;
}

type PublicationContext = NonNullable<Awaited<ReturnType<typeof publicationContext>>>;

async function signalPublication(
  deps: PublicationServiceDeps, ctx: PublicationContext, signal: Parameters<Client['workflow']['signalWithStart']>[1]['signal'], args: unknown[],
) {
  const { publication, model, platform, content } = ctx;
  await viaTemporal('the change', () => deps.temporal.workflow.signalWithStart<PublicationWorkflow, unknown[]>(WorkflowTypes.publication, {
    workflowId: publication.workflowId ?? publicationWorkflowId(publication.id),
    taskQueue: TaskQueues.pipeline,
    args: [{ publicationId: publication.id, options: deps.lifecycle }],
    signal,
    signalArgs: args,
    typedSearchAttributes: [
      { key: ModelNameKey, value: model.name },
      { key: PlatformKey, value: platform.name },
      { key: ContentIdKey, value: content.id },
      { key: PublicationStatusKey, value: publication.status },
    ],
    staticSummary: `${model.name} → ${platform.name} @${ctx.account.username}`,
  }));
}

const actorNow = (actor: string): Actor => ({ actor, at: new Date().toISOString() });

/**
 * Moves a publication to a new time. The admin's choice wins over the rules (it must be in the future and within
 * the platform's horizon); where it breaks a rule the answer carries a warning instead of an error.
 */
export async function reschedulePublication(deps: PublicationServiceDeps, id: string, input: { actor: string; scheduledTime: Date }) {
  if (Number.isNaN(input.scheduledTime.getTime())) throw new ServiceError('invalid', 'invalid_time', 'scheduledTime is not a valid date-time');
  const ctx = await controllable(deps.db, id, 'reschedule');
  const now = new Date();
  if (input.scheduledTime.getTime() <= now.getTime()) throw new ServiceError('invalid', 'time_in_past', 'scheduledTime must be in the future (use publish-now to publish at once)');
  const publishing = await loadPublishingContext(deps.db, { accountId: ctx.account.id });
  const target = publishing?.targets[0];
  if (!publishing || !target) throw new ServiceError('not_found', 'not_found', `account of publication ${id} not found`);
  const caps = target.capabilities;
  if (input.scheduledTime.getTime() > horizonEnd(now, caps).getTime()) {
    throw new ServiceError('invalid', 'beyond_horizon', `scheduledTime is more than ${caps.maxLeadDays} days ahead, the limit of ${ctx.platform.name}`);
  }
  // The publication's own current time is not taken: it is the one being moved.
  const taken = await takenSlotsFor(deps.db, target, now, ctx.publication.scheduledTime);
  const warning = slotViolation({ rules: publishing.rules, lead: caps, now, taken }, input.scheduledTime);
  await signalPublication(deps, ctx, rescheduleSignal, [{ ...actorNow(input.actor), scheduledTime: input.scheduledTime.toISOString() }]);
  return { id, scheduledTime: input.scheduledTime.toISOString(), warnings: warning ? [warning] : [] };
}

export async function publishPublicationNow(deps: PublicationServiceDeps, id: string, input: { actor: string }) {
  const ctx = await controllable(deps.db, id, 'publishNow');
  await signalPublication(deps, ctx, publishNowSignal, [actorNow(input.actor)]);
  return { id };
}

export async function cancelPublication(deps: PublicationServiceDeps, id: string, input: { actor: string; reason?: string }) {
  const ctx = await controllable(deps.db, id, 'cancel');
  await signalPublication(deps, ctx, cancelSignal, [{ ...actorNow(input.actor), reason: input.reason }]);
  return { id };
}

/** Publishes again after a failure; the driver first looks for a post an earlier attempt may have made. */
export async function retryPublication(deps: PublicationServiceDeps, id: string, input: { actor: string }) {
  const ctx = await controllable(deps.db, id, 'retry');
  await signalPublication(deps, ctx, retrySignal, [actorNow(input.actor)]);
  return { id };
}

async function mustAccount(db: Db, accountId: string) {
  const found = await findAccountWithPlatform(db, accountId);
  if (!found) throw new ServiceError('not_found', 'not_found', `account ${accountId} not found`);
  return found.account;
}

/** Re-activates an account (e.g. after its session was linked again) and releases its held publications. */
export async function resumeAccount(deps: PublicationServiceDeps, accountId: string, input: { actor: string }) {
  const account = await mustAccount(deps.db, accountId);
  const released = await setAccountStatusMoving(deps.db, accountId, 'active', { from: 'held', to: 'scheduled' });
  await recordEvent(deps.db, 'account_resumed', { username: account.username, released: released.map((p) => p.id) }, {
    accountId, modelId: account.modelId, actor: input.actor,
  });
  await releasePublications(deps, released.map((p) => p.id), input.actor);
  return { accountId, released: released.map((p) => p.id) };
}

/**
 * Tells each released publication's workflow to wait for its time again; a run that ended long ago (14 days
 * stopped) is started again by the same signal.
 */
export async function releasePublications(deps: PublicationServiceDeps, publicationIds: string[], actor: string) {
  for (const id of publicationIds) {
    const ctx = await publicationContext(deps.db, id);
    if (ctx) await signalPublication(deps, ctx, releaseSignal, [actorNow(actor)]);
  }
}

/** Pauses an account by hand: its publications are held when their time comes. */
export async function pauseAccount(deps: Pick<PublicationServiceDeps, 'db'>, accountId: string, input: { actor: string; reason?: string }) {
  const account = await mustAccount(deps.db, accountId);
  const held = await setAccountStatusMoving(deps.db, accountId, 'paused', { from: 'scheduled', to: 'held' });
  await recordEvent(deps.db, 'account_paused', { username: account.username, reason: input.reason, held: held.map((p) => p.id) }, {
    accountId, modelId: account.modelId, actor: input.actor,
  });
  return { accountId, held: held.map((p) => p.id) };
}
