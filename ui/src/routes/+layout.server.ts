import type { LayoutServerLoad } from './$types';

// hooks.server.ts picked the language; hand it to every page so components can translate.
export const load: LayoutServerLoad = ({ locals }) => ({ lang: locals.lang });
