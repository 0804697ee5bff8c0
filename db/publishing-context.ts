/**
 * What a content or an account publishes under, loaded and computed once: the model's effective rules, the
 * accounts (on platforms the rules allow) with each platform's effective capabilities, and the taken-slot window
 * a scheduler reads for an account. Activities (captions, ingest, scheduling, variants) and services (manual
 * reschedule) all start here instead of re-deriving these rules.
 */
import { and, eq } from 'drizzle-orm';
import { capabilitiesFor } from '../core/platforms.js';
import { modelRules, platformAllowed, takenSlotWindow } from '../core/rules.js';
import type { DistributionRules, PlatformCapabilities } from '../core/types.js';
import type { Db } from './client.js';
import { takenSlots } from './publications.js';
import { contents, models, platformAccounts, platforms, type Model, type Platform, type PlatformAccount } from './schema.js';

export interface PublishingPlatform {
  platform: Platform;
  /** The platform row's capabilities over its driver's defaults. */
  capabilities: PlatformCapabilities;
}

export interface PublishingTarget extends PublishingPlatform {
  account: PlatformAccount;
}

export interface PublishingContext {
  model: Model;
  /** The model's rules as they apply now (core/rules.ts modelRules: a `testing` model always waits for approval). */
  rules: DistributionRules;
  /**
   * By content or model: the active accounts on active platforms the rules allow (where new content goes); for a
   * content with `targetAccountIds` (a repost, an "en vivo ahora" post) only those of them.
   * By account: that one account, whatever its status (a held publication can still be moved).
   */
  targets: PublishingTarget[];
  /** The distinct platforms of `targets`, in name order. */
  platforms: PublishingPlatform[];
}

/** A platform's effective capabilities: its row's values over its driver's defaults. */
export const platformCapabilities = (platform: Platform): PlatformCapabilities => capabilitiesFor(platform.technicalConfig.driver, platform.capabilities);

export type PublishingScope = { contentId: string } | { modelId: string } | { accountId: string };

/** Undefined when the content, model or account does not exist. */
export async function loadPublishingContext(db: Db, scope: PublishingScope): Promise<PublishingContext | undefined> {
  let model: Model | undefined;
  let rows: { account: PlatformAccount; platform: Platform }[];
  let only: Set<string> | undefined;
  const accountsWithPlatform = db
    .select({ account: platformAccounts, platform: platforms })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId));
  if ('accountId' in scope) {
    rows = await accountsWithPlatform.where(eq(platformAccounts.id, scope.accountId));
    if (rows.length === 0) return undefined;
    [model] = await db.select().from(models).where(eq(models.id, rows[0]!.account.modelId));
  } else {
    if ('contentId' in scope) {
      const [found] = await db.select({ model: models, targetAccountIds: contents.targetAccountIds }).from(contents)
        .innerJoin(models, eq(models.id, contents.modelId)).where(eq(contents.id, scope.contentId));
      model = found?.model;
      if (found?.targetAccountIds) only = new Set(found.targetAccountIds);
    } else {
      [model] = await db.select().from(models).where(eq(models.id, scope.modelId));
    }
    if (!model) return undefined;
    rows = await accountsWithPlatform.where(and(eq(platformAccounts.modelId, model.id), eq(platformAccounts.status, 'active'), eq(platforms.active, true)));
  }
  if (!model) return undefined;
  // The model's status counts: a `testing` model's contents always wait for approval (core/rules.ts modelRules).
  const rules = modelRules(model);
  const targets = rows
    .filter(({ account, platform }) => 'accountId' in scope || (platformAllowed(rules, platform.name) && (!only || only.has(account.id))))
    .map(({ account, platform }) => ({ account, platform, capabilities: platformCapabilities(platform) }));
  const byName = new Map<string, PublishingPlatform>();
  for (const { platform, capabilities } of targets) if (!byName.has(platform.name)) byName.set(platform.name, { platform, capabilities });
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { model, rules, targets, platforms: names.map((name) => byName.get(name)!) };
}

/**
 * The account's taken slots a scheduler must weigh for a time seen from `now` (core takenSlotWindow), without
 * the publication being moved (`except`, its current time) when one is given.
 */
export async function takenSlotsFor(db: Db, target: PublishingTarget, now: Date, except?: Date | null): Promise<Date[]> {
  const { from, to } = takenSlotWindow(now, target.capabilities);
  const taken = await takenSlots(db, target.account.id, from, to);
  return except ? taken.filter((t) => t.getTime() !== except.getTime()) : taken;
}
