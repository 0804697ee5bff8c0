/**
 * The platform drivers the browser workers know (activities/publishing/drivers/index.ts is typed by this list,
 * so the two cannot drift): a platform's `technicalConfig.driver` must name one of them.
 */
export const platformDrivers = ['demo'] as const;
export type PlatformDriverKey = (typeof platformDrivers)[number];

export function isPlatformDriver(value: string): value is PlatformDriverKey {
  return (platformDrivers as readonly string[]).includes(value);
}
