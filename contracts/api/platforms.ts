/**
 * Platforms: the list with each one's effective capabilities and driver, and the admin's edits (enable /
 * disable, capabilities, technical config). A disabled platform takes no new publications and its scheduled
 * ones are held; enabling it releases them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { platformDrivers } from '../drivers.js';
import { Page, PageQuery } from './common.js';

/**
 * Every field of core PlatformCapabilities, with sane ranges (validated by the API; the dashboard shows the
 * same limits).
 */
export const capabilityFields = {
  maxDurationSeconds: Type.Integer({ minimum: 1, maximum: 86_400, description: 'longest clip the platform takes, seconds' }),
  maxSizeBytes: Type.Integer({ minimum: 1, maximum: 64 * 1024 ** 3, description: 'largest file the platform takes, bytes' }),
  aspect: Type.String({ pattern: '^[1-9][0-9]{0,3}:[1-9][0-9]{0,3}$', description: 'preferred aspect ratio "W:H", e.g. 9:16' }),
  maxCaptionLength: Type.Integer({ minimum: 1, maximum: 100_000 }),
  maxHashtags: Type.Integer({ minimum: 0, maximum: 100 }),
  linksAllowed: Type.Boolean(),
  minLeadMinutes: Type.Integer({ minimum: 0, maximum: 525_600, description: 'refuses posts scheduled closer than this to now' }),
  maxLeadDays: Type.Integer({ minimum: 1, maximum: 365, description: 'scheduling horizon, days' }),
};

export const PlatformCapabilities = Type.Object(capabilityFields);
export type PlatformCapabilities = Static<typeof PlatformCapabilities>;

/** One platform of GET /api/platforms. `capabilities` are the effective ones (the row's over its driver's defaults). */
export const Platform = Type.Object({
  id: Type.String(),
  name: Type.String(),
  active: Type.Boolean(),
  driver: Type.String(),
  baseUrl: Type.String(),
  options: Type.Record(Type.String(), Type.Unknown()),
  capabilities: PlatformCapabilities,
  accountCount: Type.Integer(),
});
export type Platform = Static<typeof Platform>;

export const PlatformList = Page(Platform);
export type PlatformList = Static<typeof PlatformList>;

export const PlatformListQuery = Type.Object({ ...PageQuery });
export type PlatformListQuery = Static<typeof PlatformListQuery>;

/** PATCH /api/platforms/:id. Each capability given replaces that field; technical config fields given replace theirs. */
export const PlatformPatchBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'false holds its scheduled publications; true releases them' })),
    capabilities: Type.Optional(Type.Partial(Type.Object(capabilityFields), { additionalProperties: false })),
    technicalConfig: Type.Optional(
      Type.Object(
        {
          driver: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `a driver the workers know: ${platformDrivers.join(', ')}` })),
          baseUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'http or https URL of the platform' })),
          options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'driver options (replaces the current ones)' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PlatformPatchBody = Static<typeof PlatformPatchBody>;

/** PATCH answer: the platform, plus the publications the change held or released. */
export const PlatformUpdate = Type.Composite([
  Platform,
  Type.Object({ held: Type.Array(Type.String()), released: Type.Array(Type.String()) }),
]);
export type PlatformUpdate = Static<typeof PlatformUpdate>;
