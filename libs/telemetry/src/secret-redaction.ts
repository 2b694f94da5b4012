/**
 * Secrets never reach a log line. Config keys whose names say they hold a secret are
 * replaced wholesale; any other string has the password inside a URL
 * (`amqp://user:pass@host`) and secret-looking query parameters masked. Used for the config
 * logged at start, for config errors, and by the logger's error serializer.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY = /SECRET|PASSWORD|PASSWD|TOKEN|KEY$|_KEYS?$|CREDENTIALS|AUTHORIZATION|COOKIE/i;

/** `scheme://user:password@` — the password runs to the last `@` before the path. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#]*@/gi;
const SECRET_QUERY_PARAMETER =
  /([?&][^=&\s#]*(?:secret|password|passwd|token|key|credential|signature|sig)[^=&\s#]*=)[^&\s#]*/gi;

/** Whether a config key or field name names a secret (WEBHOOK_SECRET, DB_PASSWORD, API_KEY, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** `text` with URL passwords and secret query parameters replaced by `[redacted]`. */
export function maskSecretsInText(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(SECRET_QUERY_PARAMETER, `$1${REDACTED}`);
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
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, isSecretKey(key))]));
  }
  return value;
}

/** An object whose own fields are its content: plain data, or e.g. pino's serialized error. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

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
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["stripe-signature"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
];
