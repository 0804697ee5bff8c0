/**
 * The learned-slots heat map's pure helpers: which estimate the page asks for (platform and measure live in the URL,
 * so the map works without JS and a link can be shared), the colour of a cell on the map's own scale, and numbers.
 */
import type { LearnedCell, LearnedSlots } from '$contracts/api/learned-slots';

export type LearnedMetric = LearnedSlots['metric'];
export const learnedMetricValues: readonly LearnedMetric[] = ['views', 'clicks'];

/** `lsPlatform` / `lsMetric` from the page's URL (unknown values are the defaults). */
export function learnedSelection(url: URL): { platform: string | undefined; metric: LearnedMetric } {
	const platform = url.searchParams.get('lsPlatform')?.trim() || undefined;
	const metric = url.searchParams.get('lsMetric');
	return { platform, metric: metric === 'clicks' ? 'clicks' : 'views' };
}

/** The API path of the estimate for the model and selection. */
export function learnedSlotsPath(modelId: string, selection: { platform?: string; metric: LearnedMetric }): string {
	const query = new URLSearchParams({ metric: selection.metric });
	if (selection.platform) query.set('platform', selection.platform);
	return `/api/models/${encodeURIComponent(modelId)}/learned-slots?${query}`;
}

/** The page's own URL with another selection (keeps every other parameter), anchored at the map. */
export function learnedHref(url: URL, change: { platform?: string | null; metric?: LearnedMetric }): string {
	const next = new URL(url);
	if (change.platform !== undefined) {
		if (change.platform) next.searchParams.set('lsPlatform', change.platform);
		else next.searchParams.delete('lsPlatform');
	}
	if (change.metric) next.searchParams.set('lsMetric', change.metric);
	return `${next.pathname}${next.search}#learned-slots`;
}

/** 0–1: where a cell's estimate sits between the lowest and highest on the map (0.5 when they are all equal). */
export function cellShare(cells: readonly LearnedCell[], metric: LearnedMetric): (cell: LearnedCell) => number {
	const values = cells.map((c) => c[metric].estimate);
	const low = Math.min(...values);
	const high = Math.max(...values);
	return (cell) => (high > low ? (cell[metric].estimate - low) / (high - low) : 0.5);
}

/** An estimate as people read it: whole views, clicks with one decimal. */
export function formatEstimate(value: number | null, metric: LearnedMetric, lang: string): string {
	if (value === null) return '—';
	return new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'es-ES', { maximumFractionDigits: metric === 'views' ? 0 : 1 }).format(value);
}

export const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
