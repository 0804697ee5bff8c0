import { fail, redirect } from '@sveltejs/kit';

/**
 * The one load guard every page uses: GET an API path with the fetch SvelteKit hands to load
 * functions (during SSR it forwards the session cookie, see hooks.server.ts). A 401 — no session,
 * or one that was revoked or expired — sends the browser to the login page and back here after;
 * any other failure comes back as `{ ok: false }` for the page to show, never as a crash.
 */
export type Loaded<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

export async function apiGet<T>(
	fetch: typeof globalThis.fetch,
	url: URL,
	path: string
): Promise<Loaded<T>> {
	let res: Response;
	try {
		res = await fetch(path, { headers: { accept: 'application/json' } });
	} catch (err) {
		console.error(`GET ${path} failed:`, String(err));
		return { ok: false, status: 0, message: String(err) };
	}
	if (res.status === 401) loginRedirect(url);
	if (!res.ok) {
		const { message } = await errorBody(res);
		console.error(`GET ${path} failed:`, message);
		return { ok: false, status: res.status, message };
	}
	return { ok: true, data: (await res.json()) as T };
}

/** Back to the login page, then to where the admin was. */
export function loginRedirect(url: URL): never {
	redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
}

/** An API error body: `{ error, message, fields? }` (fields: JSON pointer-ish names → message). */
export interface ApiErrorBody {
	error: string;
	message: string;
	fields?: Record<string, string>;
}

async function errorBody(res: Response): Promise<ApiErrorBody> {
	try {
		const body = (await res.json()) as Partial<ApiErrorBody> | null;
		return {
			error: typeof body?.error === 'string' ? body.error : `http_${res.status}`,
			message: typeof body?.message === 'string' && body.message ? body.message : `HTTP ${res.status}`,
			fields: body?.fields && typeof body.fields === 'object' ? body.fields : undefined
		};
	} catch {
		// Not JSON (a proxy's error page): the status is all there is.
		return { error: `http_${res.status}`, message: `HTTP ${res.status}` };
	}
}

/**
 * What a form action does with the API: send the command (JSON, or no body) with the action's
 * fetch (same cookie), and turn a refusal into `fail(status, { error, message, fields, values })`
 * so the form re-renders with the admin's input and each field's message — with or without JS.
 * A 401 goes to the login page like a load does.
 */
export async function apiSend<T>(
	fetch: typeof globalThis.fetch,
	url: URL,
	method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
	path: string,
	body?: unknown,
	values?: Record<string, unknown>
) {
	const init: RequestInit = { method, headers: { accept: 'application/json' } };
	if (body !== undefined) {
		init.body = JSON.stringify(body);
		init.headers = { accept: 'application/json', 'content-type': 'application/json' };
	}
	let res: Response;
	try {
		res = await fetch(path, init);
	} catch (err) {
		return { ok: false as const, failure: fail(503, { error: 'unreachable', message: String(err), values }) };
	}
	if (res.status === 401) loginRedirect(url);
	if (!res.ok) {
		const error = await errorBody(res);
		return { ok: false as const, failure: fail(res.status, { ...error, values }) };
	}
	const data = res.status === 204 ? undefined : ((await res.json()) as T);
	return { ok: true as const, data: data as T };
}
