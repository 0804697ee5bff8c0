// The rules page's grouping: studio-wide, then one group per platform, then one per model (her rules for every
// platform and for one). The API already orders the rules that way; this only cuts the list.
import type { ModerationRule } from '$contracts/api/moderation';

export type RuleGroup =
	| { key: 'studio'; kind: 'studio'; rules: ModerationRule[] }
	| { key: string; kind: 'platform'; name: string; rules: ModerationRule[] }
	| { key: string; kind: 'model'; name: string; rules: ModerationRule[] };

export function groupRules(rules: readonly ModerationRule[]): RuleGroup[] {
	const groups = new Map<string, RuleGroup>();
	const studio: RuleGroup = { key: 'studio', kind: 'studio', rules: [] };
	groups.set(studio.key, studio);
	for (const rule of rules) {
		let group: RuleGroup | undefined;
		if (rule.modelId !== null) {
			const key = `model:${rule.modelId}`;
			group = groups.get(key) ?? { key, kind: 'model', name: rule.modelName ?? rule.modelId, rules: [] };
			groups.set(key, group);
		} else if (rule.platformId !== null) {
			const key = `platform:${rule.platformId}`;
			group = groups.get(key) ?? { key, kind: 'platform', name: rule.platform ?? rule.platformId, rules: [] };
			groups.set(key, group);
		} else {
			group = studio;
		}
		group.rules.push(rule);
	}
	return [...groups.values()].filter((g) => g.rules.length > 0);
}
