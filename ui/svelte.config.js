import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Absolute, so the output lands in ui/build whatever the caller's cwd is;
		// api/ imports ui/build/handler.js from there.
		adapter: adapter({ out: fileURLToPath(new URL('./build', import.meta.url)) }),
		// Content-Security-Policy of every page, as a header. 'auto': SvelteKit adds a nonce for its
		// inline bootstrap script (a hash on prerendered pages), so scripts run only from this server.
		// Fastify's helmet (api/plugins/security.ts) sets the same policy on everything else.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'base-uri': ['self'],
				'connect-src': ['self'],
				'font-src': ['self', 'data:'],
				'form-action': ['self'],
				'frame-ancestors': ['none'],
				'img-src': ['self', 'data:'],
				'object-src': ['none'],
				'script-src': ['self'],
				'script-src-attr': ['none'],
				// Svelte writes style attributes and transition styles inline.
				'style-src': ['self', 'unsafe-inline']
			}
		},
		// The dashboard shares the app's pure modules: API contracts (types) and the message catalogue.
		alias: {
			$contracts: fileURLToPath(new URL('../contracts', import.meta.url)),
			$messages: fileURLToPath(new URL('../messages', import.meta.url)),
			// Pure rules (no I/O): the models page computes its live slot preview with core/scheduling.ts.
			$core: fileURLToPath(new URL('../core', import.meta.url))
		}
	}
};

export default config;
