import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { BrowserRuntime } from './publishing/browser.js';

/** What every activity factory receives; built once per worker process. */
export interface ActivityDeps {
  db: Db;
  config: AppConfig;
  log: Logger;
  browser: BrowserRuntime;
}
