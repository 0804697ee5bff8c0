import type { Lang } from '$lib/i18n';

// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Locals {
			lang: Lang;
		}
		interface PageData {
			// Set by the root +layout.server.ts, so every page and component can translate.
			lang: Lang;
		}
	}
}

export {};
