/** What routes add to their schema for the OpenAPI document (plugins/openapi.ts): tags, public routes, documented bodies. */
import type { SwaggerTransform } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';

/** One tag per concern; every documented route names one. */
export const tags = {
  contents: 'contents',
  publications: 'publications',
  evidence: 'evidence',
  accounts: 'accounts',
  models: 'models',
  auth: 'auth',
  tokens: 'tokens',
  health: 'health',
  platforms: 'platforms',
  overview: 'overview',
  events: 'events',
  alerts: 'alerts',
  moderation: 'moderation',
  calendar: 'calendar',
  settings: 'settings',
  analytics: 'analytics',
  revenue: 'revenue',
  tracking: 'tracking',
  metrics: 'metrics',
  streams: 'streams',
} as const;

/** `security` of the routes anyone may call (no bearer token, no session). */
export const publicRoute: { [scheme: string]: string[] }[] = [];

/**
 * Route `config` for what a route reads or writes itself (a multipart stream, a raw file, a file download):
 * `body` and `response` entries show up in the OpenAPI document only, and Fastify never validates or
 * serializes with them.
 */
export function documentedOnly(extra: { body?: TSchema; response?: Record<string, unknown> }): { swaggerTransform: SwaggerTransform } {
  return {
    swaggerTransform: ({ schema, url }) => ({
      schema: {
        ...schema,
        ...(extra.body ? { body: extra.body } : {}),
        ...(extra.response ? { response: { ...(schema.response as Record<string, unknown> | undefined), ...extra.response } } : {}),
      },
      url,
    }),
  };
}
