// Reposts and live posting talk to the API from the browser (same origin, so the dashboard cookie goes along), like
// the model page's watermark panel: the content page's repost panel, the analytics suggestions, the live-posting form.
import type {
	LivePostingBody,
	LivePostingView,
	RepostBody,
	RepostCreated,
	RepostFamily,
	ReusableReply,
	ReusableSuggestions
} from '$contracts/api/reposts';

export type Result<T> =
	| { ok: true; data: T }
	| { ok: false; status: number; code?: string; message: string; fields?: Record<string, string> };

async function request<T>(path: string, init: RequestInit = {}): Promise<Result<T>> {
	let res: Response;
	try {
		res = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) } });
	} catch (err) {
		return { ok: false, status: 0, message: String(err) };
	}
	let body: unknown = null;
	try {
		body = await res.json();
	} catch {
		// Not JSON (a proxy's page): the status is all there is.
	}
	if (res.ok) return { ok: true, data: body as T };
	const error = (body ?? {}) as { error?: string; message?: string; fields?: Record<string, string> };
	return { ok: false, status: res.status, code: error.error, message: error.message ?? `HTTP ${res.status}`, fields: error.fields };
}

const content = (id: string) => `/api/contents/${encodeURIComponent(id)}`;

export const loadFamily = (id: string) => request<RepostFamily>(`${content(id)}/reposts`);

export const setReusable = (id: string, reusable: boolean) =>
	request<ReusableReply>(`${content(id)}/reusable`, { method: 'POST', body: JSON.stringify({ reusable }) });

export const createRepost = (id: string, body: RepostBody) =>
	request<RepostCreated>(`${content(id)}/reposts`, { method: 'POST', body: JSON.stringify(body) });

export function loadSuggestions(modelId: string | null, limit = 5) {
	const query = new URLSearchParams({ limit: String(limit) });
	if (modelId) query.set('modelId', modelId);
	return request<ReusableSuggestions>(`/api/analytics/reusable-suggestions?${query}`);
}

const live = (modelId: string) => `/api/models/${encodeURIComponent(modelId)}/live-posting`;

export const loadLivePosting = (modelId: string) => request<LivePostingView>(live(modelId));

export const saveLivePosting = (modelId: string, body: LivePostingBody) =>
	request<LivePostingView>(live(modelId), { method: 'PUT', body: JSON.stringify(body) });
