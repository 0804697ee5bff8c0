import { t } from '$lib/t';
import { accountStatusKey, sessionHealthKey, sessionStateKey } from '$lib/accounts';

/** A value this dashboard does not know yet is shown raw rather than hidden. */
export function accountStatusLabel(status: string): string {
	const key = accountStatusKey(status);
	return key ? t(key) : status;
}

export function sessionStateLabel(state: string): string {
	const key = sessionStateKey(state);
	return key ? t(key) : state;
}

export function sessionHealthLabel(state: string): string {
	const key = sessionHealthKey(state);
	return key ? t(key) : state;
}
