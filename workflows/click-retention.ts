/**
 * Click retention: the daily run of the `click-retention` Schedule, one activity that deletes what expired
 * (activities/retention). Nothing else happens here, so the history is one activity and its result.
 */
import { activitiesFor, lifecycleOptions } from './activity-options.js';
import type { ClickRetentionInput, ClickRetentionOutcome } from '../contracts/workflows.js';

export async function clickRetentionWorkflow(input: ClickRetentionInput = {}): Promise<ClickRetentionOutcome> {
  const { maintenance } = activitiesFor(lifecycleOptions(input.options));
  return maintenance.deleteExpiredClicks({ retentionDays: input.retentionDays });
}
