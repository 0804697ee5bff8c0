/**
 * Platforms as the admin manages them: the list with effective capabilities and driver, and edits that
 * enable or disable a platform, change its capabilities or its technical config. Disabling holds the
 * platform's scheduled publications (each with a `publication_held` event, in the same transaction);
 * beginPublication also holds any that comes due while it is disabled, and new contents skip it
 * (db/publishing-context.ts only targets active platforms). Enabling releases the held ones nothing else
 * holds and signals their workflows, as resuming a model does.
 */
import type { Platform, PlatformList, PlatformListQuery, PlatformPatchBody, PlatformUpdate } from '../contracts/api/platforms.js';
import { isPlatformDriver, platformDrivers, type PlatformDriverKey } from '../contracts/drivers.js';
import type { AppConfig } from '../config.js';
import { capabilitiesFor, parseAspect } from '../core/platforms.js';
import type { PlatformCapabilities, PlatformTechnicalConfig } from '../core/types.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import {
  countPlatformAccounts, holdPlatformPublications, listPlatformsPage, lockPlatform, registerPlatform, releasePlatformPublications, updatePlatform,
  type MovedPublication,
} from '../db/platforms.js';
import { platformCapabilities } from '../db/publishing-context.js';
import type { Platform as PlatformRow } from '../db/schema.js';
import { ServiceError } from './errors.js';
import { releasePublications, type PublicationServiceDeps } from './publications.js';

export function platformView(platform: PlatformRow, accountCount: number): Platform {
  return {
    id: platform.id,
    name: platform.name,
    active: platform.active,
    driver: platform.technicalConfig.driver,
    baseUrl: platform.technicalConfig.baseUrl,
    options: platform.technicalConfig.options ?? {},
    capabilities: platformCapabilities(platform),
    accountCount,
  };
}

function invalid(fields: Record<string, string>): never {
  const [field, problem] = Object.entries(fields)[0]!;
  throw new ServiceError('invalid', 'invalid_platform', `${field}: ${problem}`, { fields });
}

function encodeCursor(key: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([key.name, key.id])).toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string'
      && /^[0-9a-f-]{36}$/i.test(parsed[1])) {
      return { name: parsed[0], id: parsed[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor this list gave out', { fields: { cursor: 'not a cursor this list gave out' } });
}

/** Platforms in name order, a keyset page at a time (there are few, but every list has the same shape). */
export async function listPlatforms(db: Db, query: PlatformListQuery): Promise<PlatformList> {
  const limit = query.limit ?? 50;
  const rows = await listPlatformsPage(db, { limit: limit + 1, after: query.cursor ? decodeCursor(query.cursor) : undefined });
  const page = rows.slice(0, limit);
  const last = page.at(-1)?.platform;
  return {
    items: page.map((row) => platformView(row.platform, row.accountCount)),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** Bounds the API schema also states; checked here too so every caller gets field-level answers. */
const integerRanges: Partial<Record<keyof PlatformCapabilities, [number, number]>> = {
  maxDurationSeconds: [1, 86_400],
  maxSizeBytes: [1, 64 * 1024 ** 3],
  maxCaptionLength: [1, 100_000],
  maxHashtags: [0, 100],
  minLeadMinutes: [0, 525_600],
  maxLeadDays: [1, 365],
};

/** Field-level problems of capabilities given (as `capabilities.<field>`), then of the effective whole. */
function capabilityProblems(given: Partial<PlatformCapabilities>, effective: PlatformCapabilities): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, [min, max]] of Object.entries(integerRanges) as [keyof PlatformCapabilities, [number, number]][]) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fields[`capabilities.${key}`] = `must be a whole number from ${min} to ${max}`;
    }
  }
  if (given.aspect !== undefined && (!/^[1-9]\d{0,3}:[1-9]\d{0,3}$/.test(given.aspect) || parseAspect(given.aspect) === null)) {
    fields['capabilities.aspect'] = 'must be "W:H" with whole numbers, e.g. 9:16';
  }
  if (given.linksAllowed !== undefined && typeof given.linksAllowed !== 'boolean') fields['capabilities.linksAllowed'] = 'must be true or false';
  if (Object.keys(fields).length === 0 && effective.minLeadMinutes >= effective.maxLeadDays * 1440) {
    const field = given.minLeadMinutes !== undefined ? 'capabilities.minLeadMinutes' : 'capabilities.maxLeadDays';
    fields[field] = `the minimum lead (${effective.minLeadMinutes} min) must be shorter than the horizon (${effective.maxLeadDays} days)`;
  }
  return fields;
}

function technicalProblems(config: PlatformTechnicalConfig): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!isPlatformDriver(config.driver)) {
    fields['technicalConfig.driver'] = `unknown driver "${config.driver}"; the workers know: ${platformDrivers.join(', ')}`;
  }
  try {
    const url = new URL(config.baseUrl);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw new Error('scheme');
  } catch {
    fields['technicalConfig.baseUrl'] = 'must be an http or https URL, e.g. https://platform.example';
  }
  if (config.options !== undefined && (typeof config.options !== 'object' || config.options === null || Array.isArray(config.options))) {
    fields['technicalConfig.options'] = 'must be an object';
  }
  return fields;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies an admin's edit in one transaction: the platform row, the publications it holds or releases (each
 * held one with its `publication_held` event) and a `platform_updated` event naming what changed. Released
 * publications' workflows are signalled after the commit.
 */
export async function updatePlatformSettings(
  deps: PublicationServiceDeps, platformId: string, input: PlatformPatchBody & { actor: string },
): Promise<PlatformUpdate> {
  const { platform, accountCount, held, released } = await inTransaction(deps.db, async (tx) => {
    const current = await lockPlatform(tx, platformId);
    if (!current) throw new ServiceError('not_found', 'not_found', `platform ${platformId} not found`);
    const changed: string[] = [];

    const technicalConfig: PlatformTechnicalConfig = { ...current.technicalConfig };
    for (const key of ['driver', 'baseUrl', 'options'] as const) {
      const value = input.technicalConfig?.[key];
      if (value === undefined) continue;
      const next = typeof value === 'string' ? value.trim() : value;
      if (!same(next, current.technicalConfig[key] ?? (key === 'options' ? {} : undefined))) changed.push(`technicalConfig.${key}`);
      (technicalConfig as unknown as Record<string, unknown>)[key] = next;
    }
    const givenCaps = input.capabilities ?? {};
    const rowCaps = { ...current.capabilities, ...givenCaps };
    const effectiveBefore = capabilitiesFor(current.technicalConfig.driver, current.capabilities);
    const effectiveAfter = capabilitiesFor(technicalConfig.driver, rowCaps);
    for (const key of Object.keys(givenCaps) as (keyof PlatformCapabilities)[]) {
      if (!same(effectiveAfter[key], effectiveBefore[key])) changed.push(`capabilities.${key}`);
    }
    const fields = {
      ...(input.technicalConfig ? technicalProblems(technicalConfig) : {}),
      ...capabilityProblems(givenCaps, effectiveAfter),
    };
    if (Object.keys(fields).length > 0) invalid(fields);

    const active = input.active ?? current.active;
    if (active !== current.active) changed.push('active');
    const updated = changed.length > 0
      ? (await updatePlatform(tx, platformId, { active, capabilities: rowCaps, technicalConfig }))!
      : current;

    let heldRows: MovedPublication[] = [];
    let releasedRows: MovedPublication[] = [];
    if (current.active && !active) {
      heldRows = await holdPlatformPublications(tx, platformId);
      for (const p of heldRows) {
        await recordEvent(tx, 'publication_held', { cause: 'platform', platform: current.name }, {
          publicationId: p.id, contentId: p.contentId, accountId: p.accountId, modelId: p.modelId,
        });
      }
    } else if (!current.active && active) {
      releasedRows = await releasePlatformPublications(tx, platformId);
    }
    const heldIds = heldRows.map((p) => p.id);
    const releasedIds = releasedRows.map((p) => p.id);
    if (changed.length > 0) {
      await recordEvent(tx, 'platform_updated', {
        platform: current.name, changed, active,
        ...(heldIds.length ? { held: heldIds } : {}), ...(releasedIds.length ? { released: releasedIds } : {}),
      }, { actor: input.actor });
    }
    return { platform: updated, accountCount: await countPlatformAccounts(tx, platformId), held: heldIds, released: releasedIds };
  });
  // After the commit: released publications' workflows wait for their time again (one that already stopped is started again).
  await releasePublications(deps, released, input.actor);
  return { ...platformView(platform, accountCount), held, released };
}

/**
 * The official-API platforms, registered at every start (as the demo is by its seed) so accounts can be
 * created on them from the dashboard and the API. Their base URL shows the configured API root; the drivers
 * read the roots from the configuration itself. A Telegram channel can take larger videos only through a local
 * Bot API server, so that platform's size limit follows TELEGRAM_API_ROOT when it is first registered.
 */
export async function registerApiPlatforms(db: Db, config: Pick<AppConfig, 'platformApis' | 'telegram'>): Promise<void> {
  const { x, reddit, bluesky, youtube, instagram, tiktok } = config.platformApis;
  const registered: { name: PlatformDriverKey; baseUrl: string; capabilities?: Partial<PlatformCapabilities> }[] = [
    { name: 'x', baseUrl: x.apiRoot },
    { name: 'bluesky', baseUrl: bluesky.service },
    { name: 'reddit', baseUrl: reddit.apiRoot },
    { name: 'telegram', baseUrl: config.telegram.apiRoot, capabilities: { maxSizeBytes: config.telegram.uploadLimitBytes } },
    { name: 'youtube', baseUrl: youtube.apiRoot },
    { name: 'instagram', baseUrl: instagram.graphRoot },
    { name: 'tiktok', baseUrl: tiktok.apiRoot },
  ];
  for (const platform of registered) {
    await registerPlatform(db, {
      name: platform.name,
      capabilities: capabilitiesFor(platform.name, platform.capabilities),
      technicalConfig: { driver: platform.name, baseUrl: platform.baseUrl },
    });
  }
}
