import { invalidateAll } from '$app/navigation';
import { t } from '$lib/t';
import type { MessageKey } from '$lib/i18n';
import type { ApiResult } from '$lib/api';
import { sessionStateTone, type Tone } from '$lib/accounts';
import type { SessionCheckResult } from '$lib/types';
import { accountStatusLabel, sessionStateLabel } from './labels';

export type AccountAction = 'check' | 'session' | 'login' | 'pause' | 'resume' | 'profile';

const actionLabels: Record<AccountAction, MessageKey> = {
	check: 'accounts.check',
	session: 'accounts.link',
	login: 'accounts.login',
	pause: 'accounts.pause',
	resume: 'accounts.resume',
	profile: 'accounts.profile'
};

/** The outcome of the last action, shown under the row until the next one. */
export interface ActionNotice {
	action: AccountAction;
	tone: Tone;
	lines: string[];
	/** Session state of a check or login, as a test and style hook. */
	state?: string;
	warnings?: string[];
	signIn?: boolean;
}

export function sessionCheckLines(check: SessionCheckResult): string[] {
	if (check.state === 'pending') {
		return [t('accounts.checkPending', { id: check.workflowId ?? '—' })];
	}
	const lines = [t('accounts.checkResult', { state: sessionStateLabel(check.state) })];
	if (check.status) lines.push(t('accounts.checkStatus', { status: accountStatusLabel(check.status) }));
	return lines;
}

export function sessionCheckNotice(action: AccountAction, check: SessionCheckResult): ActionNotice {
	return { action, tone: sessionStateTone(check.state), state: check.state, lines: sessionCheckLines(check) };
}

/**
 * One account's actions, shared by its quick buttons and forms: one runs at a time (every
 * button waits while it does) and its outcome replaces the last one.
 */
export class AccountActions {
	// Buttons stay disabled until the page is interactive: a click before hydration would
	// otherwise post a form to the page itself.
	hydrated = $state(false);
	busy = $state<AccountAction | null>(null);
	notice = $state<ActionNotice | null>(null);
	idle = $derived(this.hydrated && this.busy === null);

	/** For an outcome decided on the page, without calling the API (e.g. no file chosen). */
	show(notice: ActionNotice) {
		this.notice = notice;
	}

	/**
	 * Runs one API command. Failures are shown with the API's own message; on success the
	 * list is loaded again (status, last check and profile all come from it).
	 */
	async run<T>(
		action: AccountAction,
		call: () => Promise<ApiResult<T>>,
		done: (data: T) => ActionNotice
	): Promise<boolean> {
		this.busy = action;
		this.notice = null;
		try {
			const result = await call();
			if (!result.ok) {
				const message = result.code ? `${result.message} (${result.code})` : result.message;
				this.notice = result.unauthorized
					? { action, tone: 'bad', lines: [t('accounts.unauthorized')], signIn: true }
					: {
							action,
							tone: 'bad',
							lines: [t('accounts.failed', { action: t(actionLabels[action]), message })]
						};
				return false;
			}
			this.notice = done(result.data);
			await invalidateAll();
			return true;
		} finally {
			this.busy = null;
		}
	}
}
