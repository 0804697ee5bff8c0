import { driverKindOf, type PlatformDriverKey } from '../../../contracts/drivers.js';
import type { ApiPlatformDriver } from './api-types.js';
import { blueskyDriver } from './bluesky.js';
import { demoDriver } from './demo.js';
import { instagramDriver } from './instagram.js';
import { redditDriver } from './reddit.js';
import { telegramChannelDriver } from './telegram.js';
import { tiktokDriver } from './tiktok.js';
import type { PlatformDriver } from './types.js';
import { xDriver } from './x.js';
import { youtubeDriver } from './youtube.js';

/** Typed by contracts/drivers.ts `platformDrivers` (and its `driverKinds`), the list the API validates a platform's driver against. */
const drivers: Record<PlatformDriverKey, PlatformDriver | ApiPlatformDriver> = {
  demo: demoDriver, x: xDriver, bluesky: blueskyDriver, reddit: redditDriver, telegram: telegramChannelDriver,
  youtube: youtubeDriver, instagram: instagramDriver, tiktok: tiktokDriver,
};

function lookUp(key: string): PlatformDriver | ApiPlatformDriver {
  const driver = (drivers as Record<string, PlatformDriver | ApiPlatformDriver | undefined>)[key];
  if (!driver) throw new Error(`no platform driver named "${key}" (known: ${Object.keys(drivers).join(', ')})`);
  return driver;
}

/** A browser driver (Playwright); throws for an API driver, which runs on the `api` queue without a browser. */
export function driverFor(key: string): PlatformDriver {
  if (driverKindOf(key) !== 'browser') throw new Error(`driver "${key}" is an API driver, not a browser one`);
  return lookUp(key) as PlatformDriver;
}

export function apiDriverFor(key: string): ApiPlatformDriver {
  if (driverKindOf(key) !== 'api') throw new Error(`driver "${key}" is a browser driver, not an API one`);
  return lookUp(key) as ApiPlatformDriver;
}
