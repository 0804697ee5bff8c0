/**
 * Secrets out of logs and error messages, in one place: the logger (main.ts createLogger) walks every log line with
 * `redactDeep`, and errors are scrubbed where they are made (PublishError, toFailure, ServiceError) with
 * `scrubSecrets`, so what reaches the database, the dashboard, Telegram and Temporal's history carries none.
 * Pure (regular expressions only, no URL parser): workflows may import it too.
 */

export const redacted = '[redacted]';

/**
 * Query parameters whose value is a credential or a capability: OAuth (`code`, tokens, `client_secret`, `state`),
 * API keys, signatures of signed URLs (S3 `X-Amz-*`, GCS `X-Goog-*`, CloudFront, Azure `sig`).
 */
const sensitiveParam = new RegExp(
  '([?&;#](?:access_token|refresh_token|id_token|token|oauth_token|oauth_verifier|upload_token|auth|key|api_key|apikey|'
    + 'client_secret|secret|password|passwd|pwd|code|state|sig|signature|hmac|session|sessionid|sid|'
    + 'x-amz-[a-z-]+|x-goog-[a-z-]+|policy|key-pair-id)=)[^&#\\s"\'<>]*',
  'gi',
);
/** `scheme://user:password@host` → `scheme://[redacted]@host`. */
const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** Telegram bot tokens (`123456:AA…`), in a Bot API path or on their own. */
const telegramToken = /\b(bot)?\d{5,}:[A-Za-z0-9_-]{30,}/g;
const bearer = /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g;
/**
 * A token in a URL *path*: Chaturbate's Events API `…/events/<username>/<token>/`, and the `nextUrl` it answers
 * (same shape). Any host and prefix, as its root is configurable; the username stays readable. Case-sensitive, and
 * two segments must follow `/events/`, so event lists (`/api/events?…`) and one-id paths (`…/events/<id>`) are kept.
 */
const eventsPathToken = /(\/events\/[^/\s?#"'<>]+\/)[^/\s?#"'<>]+/g;

/**
 * The text with URL credentials, sensitive query values, Events API path tokens, bot tokens and bearer tokens replaced
 * by `[redacted]`.
 */
export function scrubSecrets(text: string): string {
  if (text.length === 0) return text;
  return text
    .replace(userinfo, `$1${redacted}@`)
    .replace(eventsPathToken, `$1${redacted}`)
    .replace(sensitiveParam, `$1${redacted}`)
    .replace(telegramToken, (_m, bot: string | undefined) => `${bot ?? ''}${redacted}`)
    .replace(bearer, `Bearer ${redacted}`);
}

/**
 * Keys whose value is censored whole, compared without case, `_` or `-`: exact names, and any key ending in one of
 * the suffixes (`botToken`, `smtp_password`, `webhookSecret`, `x-api-key`…).
 */
const secretKeys = new Set([
  'authorization', 'proxyauthorization', 'cookie', 'cookies', 'setcookie', 'authdata', 'storagestate', 'credentials',
  'privatekey', 'encryptionkey', 'keyring', 'sessionsecret', 'codeverifier', 'verifier',
]);
const secretSuffixes = ['password', 'passwd', 'secret', 'token', 'apikey', 'signature', 'cookie'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return secretKeys.has(k) || secretSuffixes.some((s) => k.endsWith(s));
}

export interface RedactLimits {
  /** Deeper than this, a value becomes `[truncated]`. */
  maxDepth: number;
  /** At most this many values are visited per call; the rest become `[truncated]`. */
  maxNodes: number;
  /** Longer strings are cut (after scrubbing). */
  maxStringLength: number;
}

const defaultLimits: RedactLimits = { maxDepth: 10, maxNodes: 2000, maxStringLength: 20_000 };

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with secret-named keys censored at any depth and secrets scrubbed inside every string; Errors
 * become `{ type, message, stack, …own fields, cause }` scrubbed alike. Objects that are neither plain, arrays nor
 * errors (a request, a Buffer, a Date) are kept as they are for the logger's serializers. Bounded in depth and size;
 * cycles become `[circular]`.
 */
export function redactDeep(value: unknown, limits: Partial<RedactLimits> = {}): unknown {
  const max = { ...defaultLimits, ...limits };
  let visited = 0;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const clean = scrubSecrets(v);
      return clean.length > max.maxStringLength ? `${clean.slice(0, max.maxStringLength)}…[truncated]` : clean;
    }
    if (v === null || typeof v !== 'object') return v;
    const isError = v instanceof Error;
    if (!isError && !Array.isArray(v) && !isPlain(v)) return v;
    if (seen.has(v)) return '[circular]';
    if (depth >= max.maxDepth || ++visited > max.maxNodes) return '[truncated]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      const out: Record<string, unknown> = {};
      if (isError) {
        out.type = v.name;
        out.message = walk(v.message, depth + 1);
        if (v.stack) out.stack = walk(v.stack, depth + 1);
      }
      for (const [key, item] of Object.entries(v)) {
        out[key] = isSecretKey(key) && item !== null && item !== undefined && typeof item !== 'boolean' ? redacted : walk(item, depth + 1);
      }
      if (isError && v.cause !== undefined) out.cause = walk(v.cause, depth + 1);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}
