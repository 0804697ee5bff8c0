// The revenue page's pure rules: the view in the URL (period like the analytics page, attribution method, model), the
// API paths of every part, and how decimal amounts read. No SvelteKit imports: loads, components and tests share it.
import type { AttributionMethod } from '$core/streams';
import type { RevenueBucket, RevenueGrouping, RevenueOwnerGrouping } from '$contracts/api/revenue';
import { pickPeriod, rangeOf as analyticsRangeOf, type AnalyticsRange, type Period } from '$lib/components/analytics/analytics';

export const methods = ['last_click', 'linear'] as const satisfies readonly AttributionMethod[];
export const DEFAULT_METHOD: AttributionMethod = 'last_click';
/** Earnings come in fewer, larger pieces than clicks: a month is the first view. */
export const DEFAULT_PERIOD: Period = '30d';

/** The tables of the page, in order (each one `groupBy` of GET /api/revenue). */
export const groupings = ['model', 'platform', 'account', 'publication'] as const satisfies readonly RevenueOwnerGrouping[];

export interface RevenueView {
	period: Period;
	/** `YYYY-MM-DDTHH:mm` in the admin's zone; only for `custom`. */
	from: string;
	to: string;
	method: AttributionMethod;
	modelId: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function pickMethod(value: string | null | undefined): AttributionMethod {
	return (methods as readonly string[]).includes(value ?? '') ? (value as AttributionMethod) : DEFAULT_METHOD;
}

export function readView(params: URLSearchParams): RevenueView {
	const param = (name: string) => params.get(name)?.trim() || '';
	const period = params.has('period') ? pickPeriod(param('period')) : DEFAULT_PERIOD;
	return {
		period,
		from: period === 'custom' ? param('from').slice(0, 16) : '',
		to: period === 'custom' ? param('to').slice(0, 16) : '',
		method: pickMethod(param('method')),
		// A malformed id is dropped rather than sent: the API would refuse the whole page for it.
		modelId: uuid.test(param('modelId')) ? param('modelId') : ''
	};
}

/** `/revenue?…` for the view with some parts changed (the period always: the URL says what is on screen). */
export function viewHref(view: RevenueView, change: Partial<RevenueView> = {}): string {
	const next = { ...view, ...change };
	const query = new URLSearchParams({ period: next.period });
	if (next.period === 'custom') {
		if (next.from) query.set('from', next.from);
		if (next.to) query.set('to', next.to);
	}
	query.set('method', next.method);
	if (next.modelId) query.set('modelId', next.modelId);
	return `/revenue?${query}`;
}

const HOUR = 3_600_000;
/**
 * Ranges up to this long chart earnings by the hour (the 24 h preset); longer ones by UTC day. Shorter than the
 * clicks chart's week: a studio has a few sessions a day, and a week of hours would be mostly empty hours with spikes.
 */
export const REVENUE_HOURLY_UP_TO_MS = 48 * HOUR;

/** The chart's buckets for a range (see REVENUE_HOURLY_UP_TO_MS). */
export function seriesBucket(range: { from: string; to: string }): RevenueBucket {
	return Date.parse(range.to) - Date.parse(range.from) <= REVENUE_HOURLY_UP_TO_MS ? 'hour' : 'day';
}

/** The range of a view, as the analytics page reads it (presets end at the next whole hour or UTC day). */
export function rangeOf(view: RevenueView, zone: string, now: number): AnalyticsRange | { error: string } {
	return analyticsRangeOf({ ...view, platform: '', accountId: '', bots: 'exclude' }, zone, now);
}

function scope(view: RevenueView, range: { from: string; to: string }): URLSearchParams {
	const query = new URLSearchParams({ from: range.from, to: range.to });
	if (view.modelId) query.set('modelId', view.modelId);
	return query;
}

/** GET /api/revenue for one grouping under the view's method (JSON for the page, CSV for the download link). */
export function revenuePath(view: RevenueView, range: { from: string; to: string }, groupBy: RevenueGrouping, extra: Record<string, string> = {}): string {
	const query = scope(view, range);
	query.set('groupBy', groupBy);
	query.set('method', view.method);
	for (const [name, value] of Object.entries(extra)) query.set(name, value);
	return `/api/revenue?${query}`;
}

/** GET /api/revenue/funnel (both methods in every row). */
export function funnelPath(view: RevenueView, range: { from: string; to: string }, extra: Record<string, string> = {}): string {
	const query = scope(view, range);
	for (const [name, value] of Object.entries(extra)) query.set(name, value);
	return `/api/revenue/funnel?${query}`;
}

/**
 * A decimal string of USD ("1234.5000") as money in the page's language, rounded to cents from the exact decimal
 * (Intl formats a numeric string without a float). `—` when missing.
 */
export function formatUsd(lang: string, amount: string | null | undefined): string {
	if (amount == null || amount === '') return '—';
	return new Intl.NumberFormat(lang, { style: 'currency', currency: 'USD' }).format(amount as `${number}`);
}

/** Tokens (linear shares may be fractions): up to 2 decimals. */
export function formatTokens(lang: string, tokens: string | null | undefined): string {
	if (tokens == null || tokens === '') return '—';
	return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(tokens as `${number}`);
}
