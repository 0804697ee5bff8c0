import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	// The dev server may read the app's pure folders the aliases point at ($contracts, $messages).
	server: { fs: { allow: ['../contracts', '../messages', '../core'] } },
	ssr: {
		// Kit's runtime needs cookie@0.6 (nested under @sveltejs/kit), but the root
		// node_modules hoists cookie@2 for @fastify/cookie, which has no `parse` export.
		// Bundling it resolves from Kit's own folder instead of from ui/.
		// @event-calendar/core ships Svelte sources under its `svelte` export condition: bundled here, Vite compiles
		// them (adapter-node's own bundling step would pick its prebuilt browser bundle, which has no components).
		noExternal: ['cookie', '@event-calendar/core']
	}
});
