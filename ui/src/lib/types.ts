// Shapes of the HTTP API the dashboard reads: the API's own schemas (contracts/api/, the TypeBox
// schemas Fastify validates and serializes with), imported as types only so no schema library lands in
// the bundle. The status lists are plain `as const` arrays from contracts/api/statuses.ts (no TypeBox).
// What remains defined here is UI-only: the runtime guards and the evidence page's normalized info.
import {
	accountStatuses,
	publicationStatuses,
	sessionCheckStates,
	type AccountStatus,
	type PublicationStatus,
	type SessionCheckState
} from '$contracts/api/statuses';
import type { EvidenceAttempt as ApiEvidenceAttempt } from '$contracts/api/evidence';

export type {
	Publication,
	PublicationList as PublicationsResponse,
	PublicationCounts,
	StatusCounts
} from '$contracts/api/publications';
export type {
	Account,
	AccountList as AccountsResponse,
	AccountStatusChange,
	BrowserProfileBody as BrowserProfileInput,
	BrowserProfileView,
	SessionCheckResult,
	SessionImportResult
} from '$contracts/api/accounts';
export type { EvidenceFileView as EvidenceFile } from '$contracts/api/evidence';
export type { AccountStatus, PublicationStatus, SessionCheckState as SessionState };

export const STATUSES = publicationStatuses;
export const ACCOUNT_STATUSES = accountStatuses;
export const SESSION_STATES = sessionCheckStates;

export function isStatus(value: unknown): value is PublicationStatus {
	return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export function isAccountStatus(value: unknown): value is AccountStatus {
	return typeof value === 'string' && (ACCOUNT_STATUSES as readonly string[]).includes(value);
}

export function isSessionState(value: unknown): value is SessionCheckState {
	return typeof value === 'string' && (SESSION_STATES as readonly string[]).includes(value);
}

/**
 * The parts of an attempt's info.json the evidence page shows. The API hands info.json over as
 * written (best effort, untyped); `getEvidence` keeps only these well-typed fields.
 */
export interface EvidenceInfo {
	url?: string;
	at?: string;
	error?: { type?: string; message?: string };
}

export interface EvidenceAttempt extends Omit<ApiEvidenceAttempt, 'info'> {
	info: EvidenceInfo | null;
}

export interface EvidenceResponse {
	attempts: EvidenceAttempt[];
}
