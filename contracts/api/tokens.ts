/** Named API tokens: created with a name, shown once, stored as SHA-256; the actor on events is the name. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, Page, PageQuery } from './common.js';

export const TokenCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'who uses it, e.g. "n8n" (unique among active tokens)' }),
});
export type TokenCreate = Static<typeof TokenCreate>;

export const TokenView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  createdAt: IsoTime,
  lastUsedAt: Nullable(IsoTime),
  revokedAt: Nullable(IsoTime),
});
export type TokenView = Static<typeof TokenView>;

/** The one answer that carries the secret: `Authorization: Bearer <token>`. */
export const TokenCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  token: Type.String({ description: 'shown once; only its SHA-256 is stored' }),
  createdAt: IsoTime,
});
export type TokenCreated = Static<typeof TokenCreated>;

/** Every token (revoked ones too), newest first; never a token value. */
export const TokenList = Page(TokenView);
export type TokenList = Static<typeof TokenList>;

export const TokenListQuery = Type.Object({
  ...PageQuery,
  q: Type.Optional(Type.String({ maxLength: 100, description: 'part of the name' })),
});
export type TokenListQuery = Static<typeof TokenListQuery>;
