/**
 * Learned posting slots for the API and the dashboard: a model's estimate by local hour of the week with its top
 * hours (core/learned-slots.ts over db/learned-slots.ts), applying those hours as her posting slots through the one
 * model-edit path (`updateModel`: validated, `model_updated`), and the weekly `learned-slots-suggestion` Schedule.
 * Nothing here changes a model without a person asking.
 */
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import {
  LEARNED_SLOTS_K, LEARNED_SLOTS_WINDOW_DAYS, learnedSlotsPlan, learnedSlotsWindow, sameSlots, type LearnedMetric,
} from '../core/learned-slots.js';
import { effectiveRules } from '../core/rules.js';
import { learnedSlotsScheduleId, TaskQueues, WorkflowTypes, type LearnedSlotsWorkflow } from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { findPlatformByName, learnedSlotPosts, learnedSlotsModel, studioAverages } from '../db/learned-slots.js';
import { dashboardLearnedSlots as englishWords } from '../messages/en/dashboard-learned-slots.js';
import { ServiceError } from './errors.js';
import { updateModel, type ModelServiceDeps } from './models.js';

export interface LearnedSlotsRequest {
  /** A platform name; absent = all her platforms together. */
  platform?: string;
  metric?: LearnedMetric;
  /** Top hours wanted; default her maxPostsPerDay (at most 24). */
  count?: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The model's estimate, top hours and the method in words (English; the dashboard says it in its own language). */
export async function getLearnedSlots(db: Db, modelId: string, request: LearnedSlotsRequest = {}, now = new Date()) {
  const model = await learnedSlotsModel(db, modelId);
  if (!model) throw new ServiceError('not_found', 'not_found', `model ${modelId} not found`);
  let platform: { id: string; name: string } | undefined;
  if (request.platform !== undefined) {
    platform = await findPlatformByName(db, request.platform);
    if (!platform) {
      throw new ServiceError('invalid', 'invalid_request', `platform: no platform is called "${request.platform}"`, {
        fields: { platform: `no platform is called "${request.platform}"` },
      });
    }
  }
  const rules = effectiveRules(model.distribution);
  const window = { ...learnedSlotsWindow(now), platformId: platform?.id };
  const [posts, studio] = await Promise.all([learnedSlotPosts(db, modelId, window), studioAverages(db, window)]);
  const metric = request.metric ?? 'views';
  const count = request.count ?? Math.min(rules.maxPostsPerDay, 24);
  const plan = learnedSlotsPlan({
    posts, prior: { views: studio.views, clicks: studio.clicks }, timezone: rules.timezone, metric, count, minSpacingMinutes: rules.minSpacingMinutes,
  });
  const method = englishWords['learned.method'].replace(/\{(\w+)\}/g, (whole, name: string) => String(({
    prior: `${round(studio.views)} views at 24 h, ${round(studio.clicks)} clicks`, k: LEARNED_SLOTS_K, days: LEARNED_SLOTS_WINDOW_DAYS, timezone: rules.timezone,
  } as Record<string, string | number>)[name] ?? whole));
  return {
    modelId,
    platform: platform?.name ?? null,
    platforms: model.platforms,
    metric,
    timezone: rules.timezone,
    window: { from: window.from.toISOString(), to: window.to.toISOString(), days: LEARNED_SLOTS_WINDOW_DAYS },
    k: plan.k,
    prior: plan.prior,
    studioPosts: { views: studio.viewsPosts, clicks: studio.clicksPosts },
    posts: plan.posts,
    cells: plan.cells,
    hours: plan.hours,
    top: plan.top,
    count,
    minSpacingMinutes: rules.minSpacingMinutes,
    currentSlots: rules.slots,
    method,
  };
}

/**
 * Makes the top hours the model's posting slots, when they are still the ones the admin confirmed (`slots`):
 * 409 `learned_slots_changed` when the results moved since, 409 `no_learned_slots` when there is nothing to apply.
 * Goes through `updateModel`, so the rules are validated and `model_updated` lists `distribution.slots`.
 */
export async function applyLearnedSlots(
  deps: ModelServiceDeps, modelId: string, input: LearnedSlotsRequest & { slots: string[] }, opts: { actor: string }, now = new Date(),
) {
  const plan = await getLearnedSlots(deps.db, modelId, input, now);
  const slots = plan.top.map((t) => t.slot);
  if (slots.length === 0) throw new ServiceError('conflict', 'no_learned_slots', 'no hour has published posts with results yet: nothing to apply');
  if (!sameSlots(slots, input.slots)) {
    throw new ServiceError('conflict', 'learned_slots_changed', `the top hours are now ${slots.join(', ')}, not ${input.slots.join(', ') || 'none'}: look again and confirm`, {
      fields: { slots: `the top hours are now ${slots.join(', ')}` },
    });
  }
  const previous = plan.currentSlots;
  const changed = !sameSlots(previous, slots);
  if (changed) await updateModel(deps, modelId, { distribution: { slots } }, opts);
  return { slots, previous, changed };
}

/** Every Monday at 14:00 UTC (09:00 in Bogotá, the default zone): the week's results are in. */
export const learnedSlotsSpec = { calendars: [{ dayOfWeek: 'MONDAY' as const, hour: 14, minute: 0 }] };

/** Creates (or updates) the weekly suggestion Schedule. Idempotent across roles and restarts. */
export async function ensureLearnedSlotsSchedule(temporal: Client, lifecycle?: LifecycleOptions): Promise<void> {
  const args: Parameters<LearnedSlotsWorkflow> = [{ options: lifecycle }];
  try {
    await temporal.schedule.create({
      scheduleId: learnedSlotsScheduleId,
      spec: learnedSlotsSpec,
      action: { type: 'startWorkflow', workflowType: WorkflowTypes.learnedSlots, taskQueue: TaskQueues.pipeline, args },
      // A missed Monday is caught up the same day; otherwise next week's suggestion says the same with more data.
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      memo: { purpose: 'suggests learned posting slots in the admin chat once a week (never applies them)' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(learnedSlotsScheduleId)
      .update((previous) => ({ ...previous, spec: learnedSlotsSpec, action: { ...previous.action, args } }));
  }
}
