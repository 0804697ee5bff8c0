// Colours of account statuses and session states: green = fine, red = needs the admin,
// amber = not known yet, grey = idle. The same palette as the publication badges.
import {
	isAccountStatus,
	isSessionState,
	type Account,
	type AccountStatus,
	type SessionState
} from '$lib/types';
import type { MessageKey } from '$lib/i18n';
import { sessionHealthStates, type SessionHealthState } from '$contracts/api/statuses';

export type Tone = 'good' | 'bad' | 'warn' | 'idle';

const statusTones: Record<AccountStatus, Tone> = {
	active: 'good',
	paused: 'warn',
	session_expired: 'bad',
	disabled: 'idle'
};

const stateTones: Record<SessionState, Tone> = {
	logged_in: 'good',
	logged_out: 'bad',
	challenge: 'bad',
	unknown: 'warn',
	pending: 'warn'
};

export function accountStatusTone(status: string): Tone {
	return isAccountStatus(status) ? statusTones[status] : 'idle';
}

export function sessionStateTone(state: string): Tone {
	return isSessionState(state) ? stateTones[state] : 'warn';
}

/** The label key, or null for a value this dashboard does not know (shown raw). */
export function accountStatusKey(status: string): MessageKey | null {
	return isAccountStatus(status) ? `accountStatus.${status}` : null;
}

export function sessionStateKey(state: string): MessageKey | null {
	return isSessionState(state) ? `sessionState.${state}` : null;
}

// ---------------------------------------------------------------------------------------------
// The accounts page: session health at a glance, grouping by model, and the forms' outcomes.

export const SESSION_HEALTH_STATES = sessionHealthStates;

const healthTones: Record<SessionHealthState, Tone> = {
	ok: 'good',
	unchecked: 'warn',
	unknown: 'warn',
	challenge: 'bad',
	expired: 'bad',
	no_session: 'bad'
};

export function isSessionHealth(value: unknown): value is SessionHealthState {
	return typeof value === 'string' && (sessionHealthStates as readonly string[]).includes(value);
}

export function sessionHealthTone(state: string): Tone {
	return isSessionHealth(state) ? healthTones[state] : 'warn';
}

export function sessionHealthKey(state: string): MessageKey | null {
	return isSessionHealth(state) ? `accounts.health.${state}` : null;
}

/** Consecutive accounts of one model (the API orders by model name), one group each. */
export function groupByModel(items: Account[]): { modelId: string; modelName: string; accounts: Account[] }[] {
	const groups: { modelId: string; modelName: string; accounts: Account[] }[] = [];
	for (const account of items) {
		const last = groups.at(-1);
		if (last && last.modelId === account.modelId) last.accounts.push(account);
		else groups.push({ modelId: account.modelId, modelName: account.modelName, accounts: [account] });
	}
	return groups;
}

/**
 * What a form action of the accounts or platforms page answered: on success `{ action, id, ... }`, on a
 * refusal `apiSend`'s `{ error, message, fields, values }` where `values` carries `action` and `id`.
 */
export interface SetupForm {
	action?: string;
	id?: string;
	ok?: boolean;
	error?: string;
	message?: string;
	fields?: Record<string, string>;
	values?: Record<string, unknown>;
	outcome?: 'deleted' | 'deactivated';
	publicationCount?: number;
	held?: number;
	released?: number;
	username?: string;
	modelName?: string;
}

/** The form result when it belongs to this form (action, and the row's id when given). */
export function formFor(form: unknown, action: string, id?: string): SetupForm | undefined {
	if (!form || typeof form !== 'object') return undefined;
	const f = form as SetupForm;
	const which = f.action ?? (f.values?.action as string | undefined);
	const whose = f.id ?? (f.values?.id as string | undefined);
	if (which !== action) return undefined;
	if (id !== undefined && whose !== id) return undefined;
	return f;
}

/** A value the admin typed, to put back in the field after a refusal. */
export function typed(form: SetupForm | undefined, name: string, fallback = ''): string {
	const value = form?.values?.[name];
	return typeof value === 'string' ? value : fallback;
}
