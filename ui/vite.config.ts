import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	ssr: {
		// Kit's runtime needs cookie@0.6 (nested under @sveltejs/kit), but the root
		// node_modules hoists cookie@2 for @fastify/cookie, which has no `parse` export.
		// Bundling it resolves from Kit's own folder instead of from ui/.
		noExternal: ['cookie']
	}
});
