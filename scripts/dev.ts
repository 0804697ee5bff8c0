/**
 * `npm start`: the embedded default in one process group — Temporal dev server (temporal-dev.yaml),
 * database + migrations (PGlite under data/ unless DATABASE_URL is set), the workers, Fastify with
 * the dashboard, and the demo platform with a seeded model and a linked account. Ctrl-C stops it all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createLogger, startApp, type RunningApp } from '../main.js';
import { uiHandlerPath } from '../api/ui.js';
import { startDemoPlatform, type DemoPlatform } from '../demo/server.js';
import { seedDemo } from './seed.js';
import { findTemporalCli, loadTemporalDevConfig, repoRoot, startTemporalDevServer, type TemporalDevServer } from './temporal.js';

const config = loadConfig();
const log = createLogger(config);
const temporalConfig = loadTemporalDevConfig();
let temporal: TemporalDevServer | undefined;
let demo: DemoPlatform | undefined;
let app: RunningApp | undefined;

async function stopAll() {
  await app?.close().catch((e: Error) => log.error(e.message));
  await demo?.close().catch(() => undefined);
  await temporal?.stop().catch(() => undefined);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    void stopAll().then(() => process.exit(0));
  });
}
// Last resort so the Temporal child never outlives us (e.g. on an uncaught error).
process.on('exit', () => temporal?.process.kill('SIGKILL'));

try {
  if (!existsSync(uiHandlerPath)) {
    log.info('building the dashboard (first start)…');
    execFileSync('npm', ['run', 'build:ui'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const external = process.env.TEMPORAL_ADDRESS;
  if (!external) {
    const cliPath = await findTemporalCli({ build: true, log: (line) => log.info(line) });
    temporal = await startTemporalDevServer({ cliPath, config: temporalConfig, dataDir: config.dataDir, logFile: join(config.dataDir, 'logs', 'temporal.log') });
    config.temporal.address = temporal.address;
    config.temporal.uiUrl = temporal.uiUrl;
    config.temporal.namespace = temporal.namespace;
  }
  demo = await startDemoPlatform({ port: config.demoPort, dataDir: join(config.dataDir, 'demo') });
  // Ready (GET /healthz 200) only once the demo is seeded, so a script waiting for health finds it.
  app = await startApp(config, 'all', log, {
    deferReady: true,
    // A worker or the bot's polling stopped on its own (main.ts): the app is closed; stop the rest and exit 1.
    onFatal: () => {
      stopping = true;
      void stopAll().then(() => process.exit(1));
    },
  });
  const seeded = await seedDemo(app.db.db, config, demo.url);
  app.markReady();

  const url = app.url ?? config.http.publicUrl;
  console.log(`
  100-Tráfico is running
  ──────────────────────
  Dashboard        ${url}   (password: ${config.adminPassword})
  API token        ${config.apiToken}
  Temporal Web UI  ${config.temporal.uiUrl}
  Demo platform    ${demo.url}   (user modelo_demo / demo-password)
  Demo model id    ${seeded.modelId}

  Send a video:
    curl -H "Authorization: Bearer ${config.apiToken}" \\
         -F modelId=${seeded.modelId} -F context="Hola desde la API" -F video=@clip.mp4 \\
         ${url}/api/contents

  Secrets above come from ${join(config.dataDir, 'secrets.json')} unless set in the environment.
  Ctrl-C stops everything.
`);
} catch (error) {
  log.fatal((error as Error).message);
  await stopAll();
  process.exit(1);
}
