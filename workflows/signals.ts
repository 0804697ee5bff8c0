/**
 * Messages the lifecycle workflows accept. Services send them; the workflows own every state change,
 * so a decision or a control survives any worker crash the moment Temporal accepts the signal.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Actor, ApproveInput, RejectInput } from '../core/lifecycle.js';
import type { PublicationStatus } from '../core/types.js';

export type { Actor, ApproveInput, CaptionEdits, RejectInput } from '../core/lifecycle.js';

export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const rejectSignal = defineSignal<[RejectInput]>('reject');

export const rescheduleSignal = defineSignal<[Actor & { scheduledTime: string }]>('reschedule');
export const publishNowSignal = defineSignal<[Actor]>('publishNow');
export const cancelSignal = defineSignal<[Actor & { reason?: string }]>('cancel');
/** After a failure (or while held): publish again now; the driver first looks for an existing post. */
export const retrySignal = defineSignal<[Actor]>('retry');
/** The account or model was resumed: held publications go back to waiting for their time. */
export const releaseSignal = defineSignal<[Actor]>('release');

export interface PublicationWorkflowState {
  phase: 'waiting' | 'publishing' | 'stopped' | 'polling' | 'done';
  status: PublicationStatus;
  scheduledTime: string | null;
  metricsReads: number;
}
export const publicationStateQuery = defineQuery<PublicationWorkflowState>('state');
