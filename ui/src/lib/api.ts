import { isStatus, type PublicationStatus, type PublicationsResponse } from './types';

export type ApiResult<T> =
	| { ok: true; data: T }
	| { ok: false; unauthorized: boolean; message: string };

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
	const { items, temporalUiUrl } = body as Record<string, unknown>;
	return (
		Array.isArray(items) &&
		typeof temporalUiUrl === 'string' &&
		items.every((i) => typeof i === 'object' && i !== null && isStatus((i as { status?: unknown }).status))
	);
}
