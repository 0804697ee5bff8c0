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
		// The dashboard shares the app's pure modules: API contracts (types) and the message catalogue.
		alias: {
			$contracts: fileURLToPath(new URL('../contracts', import.meta.url)),
			$messages: fileURLToPath(new URL('../messages', import.meta.url))
		}
	}
};

export default config;
