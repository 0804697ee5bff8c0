import type { PageServerLoad } from './$types';
import type { ClicksReply, PublicationsAnalyticsReply } from '$contracts/api/analytics';
import { adminZoneWithSource } from '$lib/admin-zone';
import { apiGet, type Loaded } from '$lib/load';
import { loadFilterOptions } from '$lib/filter-options';
import { toLocalInput } from '$lib/components/overview/zone';
import {
	breakdowns,
	clicksPath,
	publicationsPath,
	rangeOf,
	readView,
	scopeQuery,
	type Breakdown
} from '$lib/components/analytics/analytics';

/** Rows each breakdown table shows; its CSV download carries up to the API's maximum. */
const tableLimit = 20;
const topPublications = 20;
const csvClickRows = '1000';
const csvPublicationRows = '500';

// The analytics page: the URL is the view (period, filters, bots), the admin's zone reads custom ranges and writes
// times, and every figure comes from the analytics API (rollups and running totals, never raw clicks): one call for
// the chart with the totals and the previous period, one per breakdown table, one for the top publications.
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const view = readView(url.searchParams);
	const { zone, zoneSource, cookieZone } = await adminZoneWithSource(fetch, cookies);

	const options = loadFilterOptions(fetch, url, view.modelId);

	const range = rangeOf(view, zone, Date.now());
	const analytics = async () => {
		if ('error' in range) return null;
		const scope = scopeQuery(view, range);
		const [series, publications, ...tables] = await Promise.all([
			apiGet<ClicksReply>(fetch, url, clicksPath(scope, range.bucket, view.bots)),
			apiGet<PublicationsAnalyticsReply>(fetch, url, publicationsPath(scope, { limit: String(topPublications) })),
			...breakdowns.map((groupBy) => apiGet<ClicksReply>(fetch, url, clicksPath(scope, groupBy, view.bots, { limit: String(tableLimit) })))
		]);
		// The downloads are the API's own CSV answers for the same query (the session cookie authorises the GET).
		const csv = {
			series: clicksPath(scope, range.bucket, view.bots, { format: 'csv' }),
			publications: publicationsPath(scope, { limit: csvPublicationRows, format: 'csv' }),
			tables: Object.fromEntries(
				breakdowns.map((groupBy) => [groupBy, clicksPath(scope, groupBy, view.bots, { limit: csvClickRows, format: 'csv' })])
			) as Record<Breakdown, string>
		};
		return {
			csv,
			series,
			publications,
			tables: Object.fromEntries(breakdowns.map((groupBy, i) => [groupBy, tables[i]!])) as Record<Breakdown, Loaded<ClicksReply>>
		};
	};
	const [{ modelOptions, accountOptions, platformOptions }, data] = await Promise.all([options, analytics()]);
	return {
		zone,
		zoneSource,
		cookieZone,
		view,
		rangeError: 'error' in range ? range.error : null,
		range: 'error' in range ? null : range,
		/** The range as the custom inputs show it (the one on screen, so "custom" starts from it). */
		rangeInputs: 'error' in range ? { from: view.from, to: view.to } : { from: toLocalInput(range.from, zone), to: toLocalInput(range.to, zone) },
		data,
		modelOptions,
		accountOptions,
		platformOptions
	};
};
