// The model page's watermark panel talks to the API from the browser (same origin, so the dashboard cookie goes
// along): read, save, remove, upload the logo, and the preview's URL. The rules are core/watermark.ts's own.
import type { WatermarkBody, WatermarkView } from '$contracts/api/watermark';
import type { WatermarkPosition } from '$core/types';
import { watermarkProblems, type WatermarkProblem } from '$core/watermark';

export type WatermarkKind = WatermarkView['kind'];

/** What the form holds. */
export interface WatermarkDraft {
	kind: WatermarkKind;
	text: string;
	position: WatermarkPosition;
	size: number;
	opacity: number;
}

export type WatermarkResult =
	| { ok: true; data: WatermarkView }
	| { ok: false; status: number; code?: string; message: string; fields?: Record<string, string> };

const base = (modelId: string) => `/api/models/${encodeURIComponent(modelId)}/watermark`;

async function answer(res: Response): Promise<WatermarkResult> {
	let body: unknown = null;
	try {
		body = await res.json();
	} catch {
		// Not JSON (a proxy's page): the status is all there is.
	}
	if (res.ok) return { ok: true, data: body as WatermarkView };
	const error = (body ?? {}) as { error?: string; message?: string; fields?: Record<string, string> };
	return { ok: false, status: res.status, code: error.error, message: error.message ?? `HTTP ${res.status}`, fields: error.fields };
}

async function request(path: string, init: RequestInit): Promise<WatermarkResult> {
	try {
		return await answer(await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } }));
	} catch (err) {
		return { ok: false, status: 0, message: String(err) };
	}
}

export const loadWatermark = (modelId: string) => request(base(modelId), { method: 'GET' });

export const removeWatermark = (modelId: string) => request(base(modelId), { method: 'DELETE' });

export function saveWatermark(modelId: string, draft: WatermarkDraft) {
	const body: WatermarkBody = {
		kind: draft.kind === 'logo' ? 'logo' : 'text',
		...(draft.kind === 'text' ? { text: draft.text } : {}),
		position: draft.position,
		size: draft.size,
		opacity: draft.opacity
	};
	return request(base(modelId), { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

/** The PNG as the raw body (the API checks its bytes). */
export const uploadWatermarkLogo = (modelId: string, file: File) =>
	request(`${base(modelId)}/logo`, { method: 'PUT', body: file, headers: { 'content-type': 'image/png' } });

/** Problems the form can see before sending (the API checks the same with the same code). */
export function draftProblems(draft: WatermarkDraft, hasLogo: boolean): WatermarkProblem[] {
	if (draft.kind === 'none') return [];
	return watermarkProblems(draft, { hasLogo });
}

/**
 * The preview image's URL: the saved watermark, or the draft (`kind` and the rest in the query); `platform`
 * frames it as her variant for that platform; `version` makes the browser fetch it again.
 */
export function previewUrl(modelId: string, opts: { platform?: string; draft?: WatermarkDraft; version: number }): string {
	const query = new URLSearchParams();
	if (opts.platform) query.set('platform', opts.platform);
	if (opts.draft) {
		query.set('kind', opts.draft.kind);
		if (opts.draft.kind === 'text') query.set('text', opts.draft.text);
		query.set('position', opts.draft.position);
		query.set('size', String(opts.draft.size));
		query.set('opacity', String(opts.draft.opacity));
	}
	query.set('v', String(opts.version));
	return `${base(modelId)}/preview?${query}`;
}
