/**
 * The rules a model publishes under, in one place. A model's stored `distribution` may predate a field (or
 * leave it out): every caller reads the *effective* rules, the stored ones over the defaults, and asks the same
 * questions of them here. Pure (workflows, services and the UI may all call it).
 */
import { defaultDistributionRules, type DistributionRules, type PlatformCapabilities } from './types.js';

const DAY_MS = 86_400_000;

/** The stored distribution over the defaults: fields a model never set take the product's default. */
export function effectiveRules(distribution: Partial<DistributionRules> | null | undefined): DistributionRules {
  return { ...defaultDistributionRules, ...distribution };
}

/** Whether the rules let the model publish to a platform (an empty allow-list means every platform). */
export function platformAllowed(rules: Pick<DistributionRules, 'allowedPlatforms'>, platformName: string): boolean {
  return rules.allowedPlatforms.length === 0 || rules.allowedPlatforms.includes(platformName);
}

/**
 * The span of an account's taken slots a scheduler must see to place (or check) a time from `now` on a platform
 * with this horizon: two days back, because spacing and the per-local-day cap look across a local day in any
 * time zone, up to the horizon plus two days for the same reason at the far end.
 */
export function takenSlotWindow(now: Date, lead: Pick<PlatformCapabilities, 'maxLeadDays'>): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - 2 * DAY_MS), to: new Date(now.getTime() + (lead.maxLeadDays + 2) * DAY_MS) };
}

/** The latest time the platform accepts a publication for, seen from `now`. */
export function horizonEnd(now: Date, lead: Pick<PlatformCapabilities, 'maxLeadDays'>): Date {
  return new Date(now.getTime() + lead.maxLeadDays * DAY_MS);
}
