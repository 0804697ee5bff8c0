import {
	isStatus,
	type AccountStatusChange,
	type BrowserProfileInput,
	type BrowserProfileView,
	type EvidenceAttempt,
	type EvidenceResponse,
	type PublicationCounts,
	type PublicationStatus,
	type PublicationsResponse,
	type SessionCheckResult,
	type SessionImportResult
} from './types';

export type ApiResult<T> =
	| { ok: true; data: T }
	| { ok: false; unauthorized: boolean; message: string; code?: string };

/**
 * GET /api/publications with the fetch SvelteKit hands to load functions (it carries the
 * session cookie during SSR, see hooks.server.ts). Never throws: the page decides what a
 * failure looks like.
 */
export async function getPublications(
	fetch: typeof globalThis.fetch,
	status?: PublicationStatus | null
): Promise<ApiResult<PublicationsResponse>> {
	const query = status ? `?status=${encodeURIComponent(status)}` : '';
	try {
		const res = await fetch(`/api/publications${query}`, {
			headers: { accept: 'application/json' }
		});
		if (res.status === 401) return { ok: false, unauthorized: true, message: 'unauthorized' };
		if (!res.ok) return { ok: false, unauthorized: false, message: `HTTP ${res.status}` };
		const body: unknown = await res.json();
		if (!isPublicationsResponse(body)) {
			return { ok: false, unauthorized: false, message: 'unexpected response shape' };
		}
		return { ok: true, data: body };
	} catch (err) {
		return { ok: false, unauthorized: false, message: String(err) };
	}
}

// A shallow check: enough to turn a proxy's HTML error page into a friendly message
// instead of a template crash.
function isPublicationsResponse(body: unknown): body is PublicationsResponse {
	if (typeof body !== 'object' || body === null) return false;
	const { items, temporalUiUrl, temporalNamespace } = body as Record<string, unknown>;
	return (
		Array.isArray(items) &&
		typeof temporalUiUrl === 'string' &&
		typeof temporalNamespace === 'string' &&
		items.every((i) => typeof i === 'object' && i !== null && isStatus((i as { status?: unknown }).status))
	);
}

/**
 * GET /api/publications/counts: every publication counted by status on the server (the list
 * itself stops at a page). Never throws, like getPublications.
 */
export async function getPublicationCounts(
	fetch: typeof globalThis.fetch
): Promise<ApiResult<PublicationCounts>> {
	try {
		const res = await fetch('/api/publications/counts', { headers: { accept: 'application/json' } });
		if (!res.ok) return await failure(res);
		const body: unknown = await res.json();
		const counts = (body as { counts?: unknown } | null)?.counts;
		if (typeof counts !== 'object' || counts === null || typeof (body as { total?: unknown }).total !== 'number') {
			return { ok: false, unauthorized: false, message: 'unexpected response shape' };
		}
		return { ok: true, data: body as PublicationCounts };
	} catch (err) {
		return { ok: false, unauthorized: false, message: String(err) };
	}
}

/** GET /api/publications/:id/evidence; never throws, like getPublications. */
export async function getEvidence(
	fetch: typeof globalThis.fetch,
	id: string
): Promise<ApiResult<EvidenceResponse>> {
	try {
		const res = await fetch(`/api/publications/${encodeURIComponent(id)}/evidence`, {
			headers: { accept: 'application/json' }
		});
		if (res.status === 401) return { ok: false, unauthorized: true, message: 'unauthorized' };
		if (!res.ok) return { ok: false, unauthorized: false, message: `HTTP ${res.status}` };
		const body: unknown = await res.json();
		const attempts = (body as { attempts?: unknown } | null)?.attempts;
		if (!Array.isArray(attempts)) {
			return { ok: false, unauthorized: false, message: 'unexpected response shape' };
		}
		return { ok: true, data: { attempts: attempts.map(toAttempt) } };
	} catch (err) {
		return { ok: false, unauthorized: false, message: String(err) };
	}
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// info.json is whatever the capture managed to write: keep only well-typed fields.
function toAttempt(raw: unknown): EvidenceAttempt {
	const a = (raw ?? {}) as { attempt?: unknown; files?: unknown; info?: unknown };
	const info = (a.info && typeof a.info === 'object' ? a.info : null) as {
		url?: unknown;
		at?: unknown;
		error?: { type?: unknown; message?: unknown } | null;
	} | null;
	return {
		attempt: Number(a.attempt),
		files: Array.isArray(a.files) ? (a.files as EvidenceAttempt['files']) : [],
		info: info && {
			url: str(info.url),
			at: str(info.at),
			error: info.error ? { type: str(info.error.type), message: str(info.error.message) } : undefined
		}
	};
}

// ---------------------------------------------------------------------------------------------
// Accounts: the session tools of a row run in the browser with its own fetch, same origin, so the
// dashboard cookie goes along. (The page itself loads, creates, edits and deletes through its
// server load and form actions: routes/(app)/accounts/+page.server.ts.)

/** A non-2xx answer as a failure carrying the API's own `{ error, message }` when it sent one. */
async function failure(res: Response): Promise<{ ok: false; unauthorized: boolean; message: string; code?: string }> {
	let message = `HTTP ${res.status}`;
	let code: string | undefined;
	try {
		const body = (await res.json()) as { error?: unknown; message?: unknown } | null;
		if (typeof body?.message === 'string' && body.message) message = body.message;
		if (typeof body?.error === 'string') code = body.error;
	} catch {
		// Not JSON (a proxy's error page): the status is all there is.
	}
	return { ok: false, unauthorized: res.status === 401, message, code };
}

/** One account command: JSON, multipart (FormData) or no body. Never throws. */
async function send<T>(
	fetch: typeof globalThis.fetch,
	method: 'POST' | 'PUT',
	path: string,
	body: object | FormData | undefined,
	valid: (data: unknown) => boolean
): Promise<ApiResult<T>> {
	const init: RequestInit = { method, headers: { accept: 'application/json' } };
	if (body instanceof FormData) init.body = body;
	else if (body !== undefined) {
		init.body = JSON.stringify(body);
		init.headers = { accept: 'application/json', 'content-type': 'application/json' };
	}
	try {
		const res = await fetch(path, init);
		if (!res.ok) return await failure(res);
		const data: unknown = await res.json();
		if (!valid(data)) return { ok: false, unauthorized: false, message: 'unexpected response shape' };
		return { ok: true, data: data as T };
	} catch (err) {
		return { ok: false, unauthorized: false, message: String(err) };
	}
}

const accountPath = (id: string, action: string) => `/api/accounts/${encodeURIComponent(id)}/${action}`;

function isCheckResult(data: unknown): boolean {
	return typeof data === 'object' && data !== null && typeof (data as { state?: unknown }).state === 'string';
}

/** POST /api/accounts/:id/check: waits for the browser to look (or answers `pending`). */
export function checkAccountSession(fetch: typeof globalThis.fetch, id: string) {
	return send<SessionCheckResult>(fetch, 'POST', accountPath(id, 'check'), undefined, isCheckResult);
}

/** POST /api/accounts/:id/session, multipart field `file`. */
export function importAccountSession(fetch: typeof globalThis.fetch, id: string, file: File) {
	const form = new FormData();
	form.set('file', file, file.name);
	return send<SessionImportResult>(fetch, 'POST', accountPath(id, 'session'), form, (data) => {
		const imported = (data as { imported?: { cookieCount?: unknown } } | null)?.imported;
		return typeof imported?.cookieCount === 'number';
	});
}

/** POST /api/accounts/:id/login. The caller must not keep the password afterwards. */
export function loginAccount(
	fetch: typeof globalThis.fetch,
	id: string,
	credentials: { username?: string; password: string }
) {
	return send<SessionCheckResult>(fetch, 'POST', accountPath(id, 'login'), credentials, isCheckResult);
}

const isStatusChange = (data: unknown) =>
	typeof data === 'object' && data !== null && typeof (data as { accountId?: unknown }).accountId === 'string';

/** POST /api/accounts/:id/pause */
export function pauseAccount(fetch: typeof globalThis.fetch, id: string, reason?: string) {
	return send<AccountStatusChange>(fetch, 'POST', accountPath(id, 'pause'), reason ? { reason } : {}, isStatusChange);
}

/** POST /api/accounts/:id/resume (no body: the route takes none). */
export function resumeAccount(fetch: typeof globalThis.fetch, id: string) {
	return send<AccountStatusChange>(fetch, 'POST', accountPath(id, 'resume'), undefined, isStatusChange);
}

/** PUT /api/accounts/:id/browser-profile: replaces the profile; `proxy` left out keeps it. */
export function saveBrowserProfile(fetch: typeof globalThis.fetch, id: string, input: BrowserProfileInput) {
	return send<BrowserProfileView>(fetch, 'PUT', accountPath(id, 'browser-profile'), input, (data) =>
		typeof data === 'object' && data !== null && 'proxy' in data
	);
}
