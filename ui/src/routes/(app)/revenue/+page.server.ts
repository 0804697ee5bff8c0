import type { PageServerLoad } from './$types';
import type { FunnelReply, RevenueOwnerGrouping, RevenueReply } from '$contracts/api/revenue';
import { adminZoneWithSource } from '$lib/admin-zone';
import { apiGet, type Loaded } from '$lib/load';
import { loadFilterOptions } from '$lib/filter-options';
import { toLocalInput } from '$lib/components/overview/zone';
import { funnelPath, groupings, rangeOf, readView, revenuePath, seriesBucket } from '$lib/components/revenue/revenue';

/** Rows each table shows; its CSV download carries up to the API's maximum. */
const tableLimit = 20;
const csvRows = '1000';

// The revenue page: the URL is the view (period, method, model), the admin's zone reads custom ranges and writes
// times, and every figure comes from the revenue API (attribution rows, session totals, rollups): one call per table
// under the chosen method (each also carries the period's totals), one for the chart (per UTC hour up to two days, else per
// UTC day; same method) and one
// for the funnel (both methods).
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const view = readView(url.searchParams);
	const { zone, zoneSource, cookieZone } = await adminZoneWithSource(fetch, cookies);
	const options = loadFilterOptions(fetch, url, view.modelId);

	const range = rangeOf(view, zone, Date.now());
	const revenue = async () => {
		if ('error' in range) return null;
		const bucket = seriesBucket(range);
		const [funnel, series, ...tables] = await Promise.all([
			apiGet<FunnelReply>(fetch, url, funnelPath(view, range)),
			apiGet<RevenueReply>(fetch, url, revenuePath(view, range, bucket)),
			...groupings.map((groupBy) => apiGet<RevenueReply>(fetch, url, revenuePath(view, range, groupBy, { limit: String(tableLimit) })))
		]);
		// The downloads are the API's own CSV answers for the same query (the session cookie authorises the GET).
		const csv = {
			funnel: funnelPath(view, range, { format: 'csv' }),
			series: revenuePath(view, range, bucket, { format: 'csv' }),
			tables: Object.fromEntries(groupings.map((groupBy) => [groupBy, revenuePath(view, range, groupBy, { limit: csvRows, format: 'csv' })])) as Record<RevenueOwnerGrouping, string>
		};
		return {
			bucket,
			csv,
			funnel,
			series,
			tables: Object.fromEntries(groupings.map((groupBy, i) => [groupBy, tables[i]!])) as Record<RevenueOwnerGrouping, Loaded<RevenueReply>>
		};
	};
	const [{ modelOptions }, data] = await Promise.all([options, revenue()]);
	return {
		zone,
		zoneSource,
		cookieZone,
		view,
		rangeError: 'error' in range ? range.error : null,
		range: 'error' in range ? null : range,
		rangeInputs: 'error' in range ? { from: view.from, to: view.to } : { from: toLocalInput(range.from, zone), to: toLocalInput(range.to, zone) },
		data,
		modelOptions
	};
};
