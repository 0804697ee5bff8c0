/** GET/PATCH /api/settings/preferences: the admin's preferences (the time zone the dashboard shows times in). */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from './common.js';

const TimeZoneName = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. `America/Bogota`' });

export const AdminPreferences = Type.Object({
  /** The zone the dashboard and the calendar show times in; null = the browser's own zone. */
  timezone: Nullable(TimeZoneName),
});
export type AdminPreferences = Static<typeof AdminPreferences>;

/** Fields given replace the stored ones; `timezone: null` goes back to the browser's zone. */
export const AdminPreferencesPatch = Type.Object(
  { timezone: Type.Optional(Nullable(TimeZoneName)) },
  { additionalProperties: false },
);
export type AdminPreferencesPatch = Static<typeof AdminPreferencesPatch>;
