// Violations of core/moderation.ts as the dashboard words them: one catalogue key per code
// (`moderation.violation.<code>`, messages/<lang>/dashboard-moderation.ts) filled with the violation's params.
// The content queue page reads the same keys.
import type { CaptionViolation, ViolationCode } from '$core/moderation';
import type { MessageKey } from '$lib/i18n';

export const violationKey = (code: ViolationCode): MessageKey => `moderation.violation.${code}`;

/** The sentence of a violation in the page's language (`translate` bound to it, e.g. `$lib/t`'s `t`). */
export function violationText(
	translate: (key: MessageKey, params?: Record<string, string | number>) => string,
	violation: Pick<CaptionViolation, 'code' | 'params'>
): string {
	return translate(violationKey(violation.code), violation.params);
}
