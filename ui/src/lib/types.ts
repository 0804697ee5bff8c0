// Shapes of the HTTP API the dashboard reads. Duplicated on purpose: ui/ talks to the app
// only over HTTP and never imports db/ or services/.

export const STATUSES = [
	'scheduled',
	'held',
	'processing',
	'published',
	'failed',
	'canceled',
	'unconfirmed'
] as const;
export type PublicationStatus = (typeof STATUSES)[number];

export function isStatus(value: unknown): value is PublicationStatus {
	return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export interface Publication {
	id: string;
	contentId: string;
	status: PublicationStatus;
	modelName: string;
	platformName: string;
	accountUsername: string;
	scheduledTime: string | null;
	publishedAt: string | null;
	postUrl: string | null;
	attempts: number;
	lastError: string | null;
	workflowId: string | null;
	/** Failure evidence exists (trace, screenshot, HTML); optional so an older API still parses. */
	hasEvidence?: boolean;
}

export interface PublicationsResponse {
	items: Publication[];
	temporalUiUrl: string;
}

/** GET /api/publications/:id/evidence */
export interface EvidenceFile {
	name: string;
	size: number;
	url: string;
}

/** The parts of an attempt's info.json the page shows (all optional: it is best effort). */
export interface EvidenceInfo {
	url?: string;
	at?: string;
	error?: { type?: string; message?: string };
}

export interface EvidenceAttempt {
	attempt: number;
	files: EvidenceFile[];
	info: EvidenceInfo | null;
}

export interface EvidenceResponse {
	attempts: EvidenceAttempt[];
}

export type StatusCounts = Record<PublicationStatus, number>;

/** platform_accounts.status */
export const ACCOUNT_STATUSES = ['active', 'paused', 'session_expired', 'disabled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export function isAccountStatus(value: unknown): value is AccountStatus {
	return typeof value === 'string' && (ACCOUNT_STATUSES as readonly string[]).includes(value);
}

/** What a session check found; `pending` = still running when the API stopped waiting. */
export const SESSION_STATES = ['logged_in', 'logged_out', 'challenge', 'unknown', 'pending'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export function isSessionState(value: unknown): value is SessionState {
	return typeof value === 'string' && (SESSION_STATES as readonly string[]).includes(value);
}

/** The account's browser profile as the API answers it: the proxy is scheme + host only. */
export interface BrowserProfileView {
	locale?: string;
	timezoneId?: string;
	viewport?: { width: number; height: number };
	userAgent?: string;
	proxy: string | null;
}

/** GET /api/accounts: one row. `status` is kept as a string when the API grows a new one. */
export interface Account {
	id: string;
	modelId: string;
	modelName: string;
	platformName: string;
	username: string;
	status: AccountStatus | string;
	sessionSaved: boolean;
	lastSessionState: string | null;
	lastSessionCheckAt: string | null;
	lastAuthenticatedAt: string | null;
	browserProfile: BrowserProfileView;
}

export interface AccountsResponse {
	items: Account[];
}

/** POST /api/accounts/:id/check and /login */
export interface SessionCheckResult {
	accountId: string;
	state: SessionState | string;
	/** The account's status after the check. */
	status?: string;
	/** Set when the check was still running (`pending`): follow it in Temporal. */
	workflowId?: string;
}

/** POST /api/accounts/:id/session */
export interface SessionImportResult {
	imported: { format: string; cookieCount: number; warnings: string[] };
	check: SessionCheckResult | null;
	/** The file was stored but the check could not run (Temporal or the browser worker down). */
	checkError?: string;
}

/** POST /api/accounts/:id/pause and /resume */
export interface AccountStatusChange {
	accountId: string;
	held?: string[];
	released?: string[];
}

/** PUT /api/accounts/:id/browser-profile body. */
export interface BrowserProfileInput {
	locale?: string;
	timezoneId?: string;
	viewport?: { width: number; height: number };
	userAgent?: string;
	/** A URL (may carry credentials) sets it, null removes it, left out keeps the current one. */
	proxy?: string | null;
}
