/**
 * The status lists the API speaks, as plain `as const` arrays: no TypeBox import, so the dashboard can
 * import them as values without pulling a schema library into its bundle. The schemas in this folder
 * build their enums from these, and each list is checked against the domain type it spells out.
 */
import type { AccountStatus, ContentStatus, PublicationStatus } from '../../core/types.js';
import type { SessionState } from '../workflows.js';

/** The list as given; it does not compile when it misses a member of `Domain` (or names a stranger). */
const allOf =
  <Domain extends string>() =>
  <const List extends readonly Domain[]>(list: List & ([Exclude<Domain, List[number]>] extends [never] ? unknown : never)): List =>
    list;

export const publicationStatuses = allOf<PublicationStatus>()(['scheduled', 'held', 'processing', 'published', 'failed', 'canceled', 'unconfirmed', 'published_as_draft']);
export const contentStatuses = allOf<ContentStatus>()(['new', 'approved', 'rejected', 'reusable', 'duplicate']);
export const accountStatuses = allOf<AccountStatus>()(['active', 'paused', 'session_expired', 'disabled']);
/** What a session check found; `pending` = still running when the API stopped waiting (follow its workflow). */
export const sessionCheckStates = allOf<SessionState | 'pending'>()(['logged_in', 'logged_out', 'challenge', 'unknown', 'pending']);
/** An account's session at a glance (contracts/api/accounts.ts SessionHealth says what each means). */
export const sessionHealthStates = ['ok', 'unchecked', 'unknown', 'challenge', 'expired', 'no_session'] as const;
/** `starting` until the process has finished starting up (in `npm start`: after the demo seed). */
export const healthStatuses = ['ok', 'degraded', 'starting'] as const;

export type { AccountStatus, ContentStatus, PublicationStatus };
export type SessionCheckState = (typeof sessionCheckStates)[number];
export type SessionHealthState = (typeof sessionHealthStates)[number];
export type HealthStatus = (typeof healthStatuses)[number];
