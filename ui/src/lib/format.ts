const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `YYYY-MM-DD HH:mm` in UTC. Built by hand rather than with Intl so the server render and
 * the browser hydration produce the same text whatever the machine's locale or zone.
 */
export function formatUtc(iso: string | null): string {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return (
		`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
	);
}

/** Deep link to one workflow in the Temporal Web UI (base URL and namespace as the API answers them). */
export function workflowUrl(temporalUiUrl: string, namespace: string, workflowId: string): string {
	const base = temporalUiUrl.replace(/\/+$/, '');
	return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** 1536 → "1.5 KB": file sizes on the evidence page. */
export function formatBytes(bytes: number): string {
	if (!Number.isFinite(bytes) || bytes < 1024) return `${bytes} B`;
	const units = ['KB', 'MB', 'GB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit += 1;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
