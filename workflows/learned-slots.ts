/**
 * Learned slots: the weekly run of the `learned-slots-suggestion` Schedule, one activity that computes every model's
 * suggestion and records the one event the bot turns into an admin-chat message (activities/learned-slots). The
 * workflow id names the run, so a retried activity records it once; workflow time keeps the cut deterministic.
 */
import { workflowInfo } from '@temporalio/workflow';
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import type { LearnedSlotsInput, LearnedSlotsOutcome } from '../contracts/workflows.js';

export async function learnedSlotsWorkflow(input: LearnedSlotsInput = {}): Promise<LearnedSlotsOutcome> {
  const { maintenance } = activitiesFor(lifecycleOptions(input.options));
  return maintenance.suggestLearnedSlots({ run: workflowInfo().workflowId, now: new Date().toISOString() });
}
