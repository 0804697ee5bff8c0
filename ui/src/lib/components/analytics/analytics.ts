// The analytics page's pure rules: which period the URL asks for, the range and bucket it means, the links that
// keep the rest of the view, and the comparison with the previous period. No SvelteKit imports: loads, components
// and tests share it.
import type { BotFilter, ClickGrouping } from '$contracts/api/analytics';
import { fromLocalInput } from '$lib/components/overview/zone';

export const periods = ['24h', '7d', '30d', 'custom'] as const;
export type Period = (typeof periods)[number];
export const DEFAULT_PERIOD: Period = '7d';

export const botChoices = ['exclude', 'include', 'only'] as const satisfies readonly BotFilter[];
export const DEFAULT_BOTS: BotFilter = 'exclude';

/** The breakdown tables under the chart, in page order (each one `groupBy` of GET /api/analytics/clicks). */
export const breakdowns = ['platform', 'model', 'account', 'country', 'city', 'device', 'os', 'browser', 'referrer'] as const satisfies readonly ClickGrouping[];
export type Breakdown = (typeof breakdowns)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Ranges up to this long chart by the hour; longer ones by (UTC) day. */
export const HOURLY_UP_TO_MS = 7 * DAY;

export function pickPeriod(value: string | null | undefined): Period {
	return (periods as readonly string[]).includes(value ?? '') ? (value as Period) : DEFAULT_PERIOD;
}

export function pickBots(value: string | null | undefined): BotFilter {
	return (botChoices as readonly string[]).includes(value ?? '') ? (value as BotFilter) : DEFAULT_BOTS;
}

/** What the URL says: the period (custom with its `from`/`to` as typed, wall times in the admin's zone) and the filters. */
export interface AnalyticsView {
	period: Period;
	/** `YYYY-MM-DDTHH:mm` in the admin's zone; only for `custom`. */
	from: string;
	to: string;
	modelId: string;
	platform: string;
	accountId: string;
	bots: BotFilter;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const localTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

export function readView(params: URLSearchParams): AnalyticsView {
	const param = (name: string) => params.get(name)?.trim() || '';
	const period = pickPeriod(param('period'));
	// A malformed id is dropped rather than sent: the API would refuse the whole page for it.
	return {
		period,
		from: period === 'custom' ? param('from').slice(0, 16) : '',
		to: period === 'custom' ? param('to').slice(0, 16) : '',
		modelId: uuid.test(param('modelId')) ? param('modelId') : '',
		platform: param('platform').slice(0, 64),
		accountId: uuid.test(param('accountId')) ? param('accountId') : '',
		bots: pickBots(param('bots'))
	};
}

/** `/analytics?…` for the view with some parts changed: the period always (the URL says what is on screen), the rest when set. */
export function viewHref(view: AnalyticsView, change: Partial<AnalyticsView> = {}): string {
	const next = { ...view, ...change };
	const query = new URLSearchParams({ period: next.period });
	if (next.period === 'custom') {
		if (next.from) query.set('from', next.from);
		if (next.to) query.set('to', next.to);
	}
	if (next.modelId) query.set('modelId', next.modelId);
	if (next.platform) query.set('platform', next.platform);
	if (next.accountId) query.set('accountId', next.accountId);
	if (next.bots !== DEFAULT_BOTS) query.set('bots', next.bots);
	return `/analytics?${query}`;
}

export type Bucket = 'hour' | 'day';

/** The range the API is asked for: ISO instants, `to` exclusive, and the chart's bucket. */
export interface AnalyticsRange {
	from: string;
	to: string;
	bucket: Bucket;
}

const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

/**
 * The range of a view at `now`. Presets end at the next whole hour (24 h, 7 d: hour buckets) or at the end of
 * today's UTC day (30 d: 30 whole UTC days, the day rollups' buckets), so every bucket of the chart is whole and
 * the totals equal the chart's sum. A custom range is read in the admin's zone; `error` names a bad input.
 */
export function rangeOf(view: AnalyticsView, zone: string, now: number): AnalyticsRange | { error: string } {
	if (view.period === '24h' || view.period === '7d') {
		const to = ceilTo(now + 1, HOUR);
		const from = to - (view.period === '24h' ? DAY : 7 * DAY);
		return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: 'hour' };
	}
	if (view.period === '30d') {
		const to = ceilTo(now + 1, DAY);
		return { from: new Date(to - 30 * DAY).toISOString(), to: new Date(to).toISOString(), bucket: 'day' };
	}
	const from = localTime.test(view.from) ? fromLocalInput(view.from, zone) : null;
	const to = localTime.test(view.to) ? fromLocalInput(view.to, zone) : null;
	if (!from) return { error: 'from' };
	if (!to) return { error: 'to' };
	if (Date.parse(to) <= Date.parse(from)) return { error: 'order' };
	return { from, to, bucket: Date.parse(to) - Date.parse(from) <= HOURLY_UP_TO_MS ? 'hour' : 'day' };
}

/** The query every analytics call of the page shares (range and filters). */
export function scopeQuery(view: AnalyticsView, range: { from: string; to: string }): URLSearchParams {
	const query = new URLSearchParams({ from: range.from, to: range.to });
	if (view.modelId) query.set('modelId', view.modelId);
	if (view.platform) query.set('platform', view.platform);
	if (view.accountId) query.set('accountId', view.accountId);
	return query;
}

/** GET /api/analytics/clicks for one grouping (JSON for the page, CSV for the download link). */
export function clicksPath(scope: URLSearchParams, groupBy: ClickGrouping, bots: BotFilter, extra: Record<string, string> = {}): string {
	const query = new URLSearchParams(scope);
	query.set('groupBy', groupBy);
	query.set('bots', bots);
	for (const [name, value] of Object.entries(extra)) query.set(name, value);
	return `/api/analytics/clicks?${query}`;
}

/** GET /api/analytics/publications (top publications by clicks). */
export function publicationsPath(scope: URLSearchParams, extra: Record<string, string> = {}): string {
	const query = new URLSearchParams(scope);
	query.set('sort', 'clicks');
	for (const [name, value] of Object.entries(extra)) query.set(name, value);
	return `/api/analytics/publications?${query}`;
}

/**
 * A figure against the previous period: the relative change (0.25 = +25 %), `new` when there was nothing before
 * and something now, `same` when both are zero.
 */
export type Change = { kind: 'ratio'; ratio: number } | { kind: 'new' } | { kind: 'same' };

export function changeOf(current: number, previous: number): Change {
	if (previous === 0) return current === 0 ? { kind: 'same' } : { kind: 'new' };
	return { kind: 'ratio', ratio: (current - previous) / previous };
}

/** Numbers in the page's language (grouping), the same text on the server and in the browser. */
export function formatCount(lang: string, value: number | null | undefined): string {
	return value == null ? '—' : new Intl.NumberFormat(lang).format(value);
}

/** A ratio as a percentage (CTR 0.0345 → "3,45 %"); `—` when unknown. */
export function formatPercent(lang: string, ratio: number | null | undefined): string {
	if (ratio == null || !Number.isFinite(ratio)) return '—';
	return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: ratio < 0.1 ? 2 : 1 }).format(ratio);
}

/** A relative change with its sign ("+25 %", "−12,5 %"). */
export function formatRatioChange(lang: string, ratio: number): string {
	return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(ratio);
}
