// The rules editor's form ⇄ the API's distribution rules, and the problems of a draft, shared by the page
// (live, in the browser) and its form action (on the server, without JS). Validation is core/rules.ts
// `validateDistribution`: the very check the API runs before it writes anything.
import type { DistributionPatch, ModelDetail, PlatformLimitsView } from '$contracts/api/models';
import { validateDistribution, type DistributionProblem } from '$core/rules';
import type { MessageKey } from '$lib/i18n';

type Distribution = ModelDetail['distribution'];

/** The editor's fields as the form holds them: text for what is typed, arrays and booleans for the choices. */
export interface RulesDraft {
	timezone: string;
	slots: string;
	maxPostsPerDay: string;
	minSpacingMinutes: string;
	allowedPlatforms: string[];
	approvalRequired: boolean;
	approvalReminderHours: string;
	language: string;
	voice: string;
	captionTemplate: string;
	hashtags: string;
	linkPlacement: string;
	/** Per platform name. */
	pools: Record<string, string>;
	templates: Record<string, string>;
}

/** What the rules action answered: saved, or refused with the draft as sent and each field's problem. */
export interface RulesForm {
	action: 'rules';
	ok?: boolean;
	draft?: RulesDraft;
	error?: string;
	message?: string;
	fields?: Record<string, string>;
}

export const poolField = (platform: string) => `pool.${platform}`;
export const templateField = (platform: string) => `template.${platform}`;

/** The saved rules as the editor's text. */
export function draftFromRules(rules: Distribution): RulesDraft {
	return {
		timezone: rules.timezone,
		slots: rules.slots.join(', '),
		maxPostsPerDay: String(rules.maxPostsPerDay),
		minSpacingMinutes: String(rules.minSpacingMinutes),
		allowedPlatforms: [...rules.allowedPlatforms],
		approvalRequired: rules.approvalRequired,
		approvalReminderHours: String(rules.approvalReminderHours),
		language: rules.language,
		voice: rules.voice ?? '',
		captionTemplate: rules.captionTemplate ?? '',
		hashtags: (rules.hashtags ?? []).join(' '),
		linkPlacement: rules.linkPlacement,
		pools: Object.fromEntries(Object.entries(rules.hashtagPools ?? {}).map(([name, pool]) => [name, pool.join(' ')])),
		templates: { ...(rules.captionTemplates ?? {}) }
	};
}

/** A submitted rules form as the editor's draft (what the page shows again after a refusal). */
export function draftFromForm(data: FormData, platforms: readonly { name: string }[]): RulesDraft {
	const text = (name: string) => {
		const value = data.get(name);
		return typeof value === 'string' ? value : '';
	};
	const pools: Record<string, string> = {};
	const templates: Record<string, string> = {};
	for (const { name } of platforms) {
		pools[name] = text(poolField(name));
		templates[name] = text(templateField(name));
	}
	return {
		timezone: text('timezone'),
		slots: text('slots'),
		maxPostsPerDay: text('maxPostsPerDay'),
		minSpacingMinutes: text('minSpacingMinutes'),
		allowedPlatforms: data.getAll('allowedPlatforms').filter((v): v is string => typeof v === 'string'),
		approvalRequired: data.get('approvalRequired') === 'on',
		approvalReminderHours: text('approvalReminderHours'),
		language: text('language'),
		voice: text('voice'),
		captionTemplate: text('captionTemplate'),
		hashtags: text('hashtags'),
		linkPlacement: text('linkPlacement'),
		pools,
		templates
	};
}

/** "19:00, 21:00" or "19:00 21:00" → ['19:00', '21:00']. */
export const splitSlots = (text: string) => text.split(/[\s,;]+/).filter(Boolean);
/** "#a b, c" → ['a', 'b', 'c']. */
export const splitTags = (text: string) =>
	text
		.split(/[\s,]+/)
		.map((tag) => tag.replace(/^#+/, ''))
		.filter(Boolean);

/** A typed number as a number; anything else as typed, so the validator names the field. */
function numberOrText(text: string): number | string {
	const trimmed = text.trim().replace(',', '.');
	return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The draft as the API's rules patch: every field, and `null` for an optional one left empty. */
export function patchFromDraft(draft: RulesDraft): DistributionPatch {
	const pools: Record<string, string[]> = {};
	for (const [name, text] of Object.entries(draft.pools)) {
		const tags = splitTags(text);
		if (tags.length > 0) pools[name] = tags;
	}
	const templates: Record<string, string> = {};
	for (const [name, text] of Object.entries(draft.templates)) if (text.trim()) templates[name] = text.trim();
	// Numbers typed as words travel as they are: the validator (here and in the API) names the field.
	return {
		timezone: draft.timezone.trim(),
		slots: splitSlots(draft.slots),
		maxPostsPerDay: numberOrText(draft.maxPostsPerDay) as number,
		minSpacingMinutes: numberOrText(draft.minSpacingMinutes) as number,
		allowedPlatforms: draft.allowedPlatforms,
		approvalRequired: draft.approvalRequired,
		approvalReminderHours: numberOrText(draft.approvalReminderHours) as number,
		language: draft.language as 'es' | 'en',
		voice: draft.voice.trim() || null,
		captionTemplate: draft.captionTemplate.trim() || null,
		captionTemplates: Object.keys(templates).length > 0 ? templates : null,
		hashtags: splitTags(draft.hashtags),
		hashtagPools: Object.keys(pools).length > 0 ? pools : null,
		linkPlacement: draft.linkPlacement as 'end' | 'start' | 'none'
	};
}

/** Every problem of the draft, by the editor's field name (pools and templates per platform). */
export function draftProblems(draft: RulesDraft, platforms: readonly PlatformLimitsView[]): DistributionProblem[] {
	const patch = patchFromDraft(draft);
	const rules: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(patch)) if (value !== null) rules[key] = value;
	return validateDistribution(
		rules,
		platforms.map((p) => ({ name: p.name, capabilities: p }))
	);
}

/** The form field a problem belongs to (`hashtagPools.X` → `pool.X`). */
export function fieldOf(problem: Pick<DistributionProblem, 'field'>): string {
	const field = problem.field as string;
	if (field.startsWith('hashtagPools.')) return poolField(field.slice('hashtagPools.'.length));
	if (field.startsWith('captionTemplates.')) return templateField(field.slice('captionTemplates.'.length));
	return field;
}

/** The API's `fields` key (`distribution.hashtagPools.X`) → the form field. */
export function fieldOfApiKey(key: string): string {
	const bare = key.startsWith('distribution.') ? key.slice('distribution.'.length) : key;
	return fieldOf({ field: bare as DistributionProblem['field'] });
}

/** The catalogue key of a problem. */
export const problemKey = (code: string) => `models.problem.${code}` as MessageKey;
