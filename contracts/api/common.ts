/**
 * Building blocks of the HTTP API's schemas (TypeBox: JSON Schema that Fastify validates and serializes,
 * @fastify/swagger publishes, and whose `Static` types the dashboard imports). Pure: no I/O.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

/** Every 4xx/5xx answer: a machine-readable `error` code and a `message` naming the problem (and the field). */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. `not_found`, `invalid_request`, `invalid_state`' }),
    message: Type.String({ description: 'what went wrong, naming the field when a field is wrong' }),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'field-level problems: field name (dotted when nested, e.g. `distribution.slots`) → what is wrong with it',
      }),
    ),
  },
  { description: 'An error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The error replies every route may give, merged into its `response` map. */
export const errorReplies = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const Uuid = Type.String({ format: 'uuid' });

/**
 * A page of a list: `items`, and `nextCursor` to pass as `?cursor=` for the next page (null on the last).
 * Lists page by keyset (an opaque cursor), never by offset, so they stay fast at any depth.
 */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

/** The query every paged list takes: `limit` (default 50, at most 200) and the `cursor` of the page before. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** `:id` path parameter. */
export const IdParams = Type.Object({ id: Uuid });
export type IdParams = Static<typeof IdParams>;

/** One TLiteral per value, as a tuple: both TypeBox's `Static` and the Fastify type provider infer the union from it. */
type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K] & string> };

/**
 * A string that is one of `values`. The JSON Schema is `{ type: 'string', enum: [...] }` (what Ajv
 * validates, what OpenAPI and Swagger UI show as an enum); its TypeScript type is the equivalent union of
 * literals, so request and response types narrow to the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<Literals<T>> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] }) as unknown as TUnion<Literals<T>>;
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An ISO 8601 instant in UTC, as the API answers every time. */
export const IsoTime = Type.String({ description: 'ISO 8601, UTC' });

/** A command that was accepted (Temporal holds the signal; the workflow makes and records the change). */
export const Accepted = Type.Object({ id: Type.String() });
export type Accepted = Static<typeof Accepted>;

/** A reply without a body (a redirect), as @fastify/swagger documents it. */
export const Redirect = (description: string) => Type.Null({ description });
