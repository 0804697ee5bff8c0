import type { PlatformDriverKey } from '../../../contracts/drivers.js';
import { demoDriver } from './demo.js';
import type { PlatformDriver } from './types.js';

/** Typed by contracts/drivers.ts `platformDrivers`, the list the API validates a platform's driver against. */
const drivers: Record<PlatformDriverKey, PlatformDriver> = { demo: demoDriver };

export function driverFor(key: string): PlatformDriver {
  const driver = (drivers as Record<string, PlatformDriver | undefined>)[key];
  if (!driver) throw new Error(`no platform driver named "${key}" (known: ${Object.keys(drivers).join(', ')})`);
  return driver;
}
