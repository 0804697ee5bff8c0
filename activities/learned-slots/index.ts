/**
 * The weekly learned-slots suggestion (the `learned-slots-suggestion` Schedule): for every model that is not paused,
 * the top hours of her views at 24 h (all her platforms together, under her spacing and daily cap) against her
 * posting slots; the models where they differ become one `learned_slots_suggested` event the bot turns into one message for
 * the admin chat (bot/notices.ts). Nothing is applied. A retried activity finds its run's event and records nothing.
 */
import type { LearnedSlotsSuggestion } from '../../contracts/events.js';
import type { LearnedSlotsOutcome } from '../../contracts/workflows.js';
import { learnedSlotsPlan, learnedSlotsWindow, sameSlots } from '../../core/learned-slots.js';
import { effectiveRules } from '../../core/rules.js';
import { recordEvent } from '../../db/events.js';
import { learnedSlotPosts, modelsForSuggestion, studioAverages, suggestionRecorded } from '../../db/learned-slots.js';
import type { ActivityDeps } from '../deps.js';
import { withHeartbeat } from '../heartbeat.js';

/** A model needs this many posts with views at 24 h in the window before she gets a suggestion. */
export const SUGGESTION_MIN_POSTS = 8;
/** Models listed in one message; the rest are counted. */
export const SUGGESTION_MAX_LISTED = 20;

export function createLearnedSlotsActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** `run`: the workflow's id (one message per run); `now`: the workflow's time (ISO). */
    async suggestLearnedSlots(input: { run: string; now: string }): Promise<LearnedSlotsOutcome> {
      return withHeartbeat(async () => {
        if (await suggestionRecorded(db, input.run)) return { suggested: 0, recorded: false };
        const window = learnedSlotsWindow(new Date(input.now));
        const studio = await studioAverages(db, window);
        const prior = { views: studio.views, clicks: studio.clicks };
        const suggestions: LearnedSlotsSuggestion['suggestions'] = [];
        for (const model of await modelsForSuggestion(db)) {
          const posts = await learnedSlotPosts(db, model.id, window);
          if (posts.filter((p) => p.views24h !== null).length < SUGGESTION_MIN_POSTS) continue;
          const rules = effectiveRules(model.distribution);
          let plan: ReturnType<typeof learnedSlotsPlan>;
          try {
            plan = learnedSlotsPlan({
              posts, prior, timezone: rules.timezone, metric: 'views', count: Math.min(rules.maxPostsPerDay, 24), minSpacingMinutes: rules.minSpacingMinutes,
            });
          } catch (error) {
            // Rules that cannot be read (an invalid_rules alert says so elsewhere) skip her, not the studio's message.
            if (error instanceof RangeError) continue;
            throw error;
          }
          const suggested = plan.top.map((t) => t.slot);
          if (suggested.length === 0 || sameSlots(suggested, rules.slots)) continue;
          suggestions.push({ modelId: model.id, modelName: model.name, current: rules.slots, suggested, posts: plan.posts.views });
        }
        if (suggestions.length === 0) return { suggested: 0, recorded: false };
        await recordEvent(db, 'learned_slots_suggested', {
          run: input.run, metric: 'views',
          suggestions: suggestions.slice(0, SUGGESTION_MAX_LISTED), more: Math.max(0, suggestions.length - SUGGESTION_MAX_LISTED),
        });
        return { suggested: suggestions.length, recorded: true };
      });
    },
  };
}
