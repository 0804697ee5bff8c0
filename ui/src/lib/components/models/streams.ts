// The model page's live streams section talks to the API from the browser (same origin, so the dashboard cookie
// goes along): her stream sources, recent sessions and earnings lines, and the CSV import (preview, then confirm).
import type {
	CreateStreamSourceBody,
	EarningList,
	StreamImportPreview,
	StreamImportResult,
	StreamList,
	StreamSourceList,
	StreamSourceView
} from '$contracts/api/streams';

export type ApiResult<T> =
	| { ok: true; data: T }
	| { ok: false; status: number; code?: string; message: string; fields?: Record<string, string> };

async function request<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
	try {
		const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
		let body: unknown = null;
		try {
			body = await res.json();
		} catch {
			// Not JSON (a proxy's page): the status is all there is.
		}
		if (res.ok) return { ok: true, data: body as T };
		const error = (body ?? {}) as { error?: string; message?: string; fields?: Record<string, string> };
		return { ok: false, status: res.status, code: error.error, message: error.message ?? `HTTP ${res.status}`, fields: error.fields };
	} catch (err) {
		return { ok: false, status: 0, message: String(err) };
	}
}

const json = (method: string, body: unknown): RequestInit => ({
	method,
	body: JSON.stringify(body),
	headers: { 'content-type': 'application/json' }
});
const model = (modelId: string) => `/api/models/${encodeURIComponent(modelId)}`;

export const loadSources = (modelId: string) => request<StreamSourceList>(`${model(modelId)}/stream-sources`);
export const addSource = (modelId: string, body: CreateStreamSourceBody) =>
	request<StreamSourceView>(`${model(modelId)}/stream-sources`, json('POST', body));
export const deleteSource = (modelId: string, sourceId: string) =>
	request<{ id: string }>(`${model(modelId)}/stream-sources/${encodeURIComponent(sourceId)}`, { method: 'DELETE' });
export const loadSessions = (modelId: string, limit = 10) =>
	request<StreamList>(`/api/streams?modelId=${encodeURIComponent(modelId)}&limit=${limit}`);
export const loadEarnings = (modelId: string, limit = 10) =>
	request<EarningList>(`/api/earnings?modelId=${encodeURIComponent(modelId)}&limit=${limit}`);

export interface ImportInput {
	site: string;
	csv: string;
	fileName: string;
}
export const previewImport = (modelId: string, input: ImportInput) =>
	request<StreamImportPreview>(`${model(modelId)}/stream-imports/preview`, json('POST', input));
export const confirmImport = (modelId: string, input: ImportInput) =>
	request<StreamImportResult>(`${model(modelId)}/stream-imports`, json('POST', { ...input, confirm: true }));

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD HH:mm` in the model's zone (built from parts, so every locale reads it the same). */
export function formatInZone(iso: string | null, timeZone: string): string {
	if (!iso) return '—';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	let format = zoneFormats.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-CA', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23'
		});
		zoneFormats.set(timeZone, format);
	}
	const part = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
	return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** `40.5000` → `40.50`: two decimals, more only when they hold something. */
export function formatUsd(amount: string): string {
	const [whole, fraction = ''] = amount.split('.');
	const trimmed = fraction.replace(/0+$/, '');
	return `${whole}.${trimmed.padEnd(2, '0')}`;
}
