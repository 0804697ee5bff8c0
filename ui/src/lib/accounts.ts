// Colours of account statuses and session states: green = fine, red = needs the admin,
// amber = not known yet, grey = idle. The same palette as the publication badges.
import { isAccountStatus, isSessionState, type AccountStatus, type SessionState } from '$lib/types';
import type { MessageKey } from '$lib/i18n';

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
