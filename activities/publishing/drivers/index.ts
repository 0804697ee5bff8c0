import { demoDriver } from './demo.js';
import type { PlatformDriver } from './types.js';

const drivers: Record<string, PlatformDriver> = { demo: demoDriver };

export function driverFor(key: string): PlatformDriver {
  const driver = drivers[key];
  if (!driver) throw new Error(`no platform driver named "${key}" (known: ${Object.keys(drivers).join(', ')})`);
  return driver;
}
