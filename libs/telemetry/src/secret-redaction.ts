/**
 * Secrets never reach a log line. Config keys whose names say they hold a secret are
 * replaced wholesale; any other string has the password inside a URL
 * (`amqp://user:pass@host`) and secret-looking query parameters masked. Used for the config
 * logged at start, for config errors, and by the logger's error serializer.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY = /SECRET|PASSWORD|PASSWD|TOKEN|KEY$|_KEYS?$|CREDENTIALS|AUTHORIZATION|COOKIE/i;

/*
 * Both patterns run over hostile text (a dead letter's reason quotes a header of any size), so
 * they stay linear: a scheme is at most 32 characters, and no repeated class can run across
 * the character that starts the next match (`/` for a URL, `?` and `&` for a parameter). An
 * unbounded scheme or a parameter name spanning `?` took minutes on a megabyte.
 */
/** `scheme://user:password@` — the password runs to the last `@` before the path. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@]*):[^\s/?#]*@/gi;
const QUERY_PARAMETER = /([?&])([^=&?\s#]*)=([^&?\s#]*)/g;
const SECRET_PARAMETER_NAME = /secret|password|passwd|token|key|credential|signature|sig/i;

/**
 * Header names (HTTP or Kafka, any case) whose values are credentials or signatures:
 * Authorization, Cookie, the webhook signatures (X-Hub-Signature(-256), Stripe-Signature,
 * Webhook-Signature, Svix-Signature, X-Signature, …), API keys and tokens. One rule for logs,
 * dead letters and the event store, which never stores them. A signature is not a
 * secret key, but with its body it is a replayable credential, and it is no use in a log.
 */
const SECRET_HEADER = /authorization$|cookie$|signature(?:-256)?$|secret|token|password|passwd|api[-_]?key|credential/i;

/** Whether a config key or field name names a secret (WEBHOOK_SECRET, DB_PASSWORD, API_KEY, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Whether a header's value is a credential or a signature (see SECRET_HEADER). */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/**
 * A copy of a header map safe to log or keep: secret headers' values become `[redacted]`,
 * other text values have URL passwords and secret query parameters masked. Anything that is
 * not a plain header map (undefined, a Headers object) is returned through `redactSecrets`.
 */
export function redactHeaders<T>(headers: T): T {
  if (!isRecord(headers)) return redactSecrets(headers);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      isSecretHeader(name) && value !== undefined ? REDACTED : redactValue(value, false),
    ]),
  ) as T;
}

/** `text` with URL passwords and secret query parameters replaced by `[redacted]`. */
export function maskSecretsInText(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(QUERY_PARAMETER, (parameter: string, start: string, name: string) =>
      SECRET_PARAMETER_NAME.test(name) ? `${start}${name}=${REDACTED}` : parameter,
    );
}

/**
 * A copy of a config (or any plain data) safe to log: values under secret-named keys become
 * `[redacted]` (an unset secret stays unset, so the log still says whether it is
 * configured), and strings elsewhere have URL passwords masked. Recurses into arrays and
 * objects, e.g. per-source webhook settings read from YAML.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, false) as T;
}

function redactValue(value: unknown, underSecretKey: boolean): unknown {
  if (value === undefined || value === null) return value;
  if (underSecretKey) return REDACTED;
  if (typeof value === 'string') return maskSecretsInText(value);
  if (value instanceof URL) return maskSecretsInText(value.toString());
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item, false));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactValue(item, isSecretKey(key) || isSecretHeader(key))]),
    );
  }
  return value;
}

/** How deep a log line is searched for `headers` maps (a request inside a delivery inside a batch). */
const MAX_HEADERS_DEPTH = 6;

/**
 * `value` with every field named `headers` in it (in plain objects, at any depth up to
 * MAX_HEADERS_DEPTH) passed through `redactHeaders`. Copies only the objects on the way to a
 * `headers` map and leaves class instances alone (errors have their own serializer), so a
 * line without headers costs one walk and no copy.
 */
export function redactHeadersWithin<T>(value: T, depth = 0): T {
  if (depth > MAX_HEADERS_DEPTH || !isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = key.toLowerCase() === 'headers' ? redactHeaders(item) : redactHeadersWithin(item, depth + 1);
    if (redacted !== item) (copy ??= { ...value })[key] = redacted;
  }
  return (copy ?? value) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** An object whose own fields are its content: plain data, or e.g. pino's serialized error. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

/** Secret headers pino redacts by path; the logger's log formatter catches the rest (redactHeadersWithin). */
const SECRET_HEADER_NAMES = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-hub-signature',
  'x-hub-signature-256',
  'stripe-signature',
  'webhook-signature',
  'svix-signature',
  'x-signature',
  'x-api-key',
];

/**
 * pino `redact` paths for secret fields a log call might carry by accident (a request's
 * headers, a connection's options). Config is redacted before it is logged, by key name;
 * these are the net under it.
 */
export const SECRET_LOG_PATHS: readonly string[] = [
  ...[
    'password',
    'secret',
    'secrets',
    'token',
    'apiKey',
    'api_key',
    'authorization',
    'credentials',
    'privateKey',
  ].flatMap((field) => [field, `*.${field}`]),
  ...SECRET_HEADER_NAMES.flatMap((name) => [`req.headers["${name}"]`, `*.headers["${name}"]`]),
  'res.headers["set-cookie"]',
];
