/**
 * Webhook sources: what `POST /webhooks/:source` accepts from whom. Each source names its
 * signature scheme and secrets, its replay window, rate limit and body limit, how the event
 * type and the delivery id are found, and whether it is a webhook or an inbound-mail source.
 *
 * Sources come from the `sources:` list of the service's YAML config file
 * (FLOWLINE_CONFIG_FILE), or one source from WEBHOOK_SOURCE_NAME and its WEBHOOK_* keys, or —
 * with neither — the local default: `sample`, unsigned. Parsing is pure; secrets are read
 * from the environment and files by `resolveWebhookSources`, which takes those effects as
 * arguments. Every problem names its place: `sources[1].secrets[0]: file /x not readable`.
 * Secret values never appear in a message.
 */
import { z } from 'zod';
import { isEventType } from '@flowline/event-schemas';
import { ConfigError } from '@flowline/service-runtime';
import { standardWebhookKey } from '@flowline/webhooks';
import type { GatewayConfig } from './config';

export const SIGNATURE_SCHEMES = ['github', 'stripe', 'standard-webhooks', 'hmac-sha256', 'none'] as const;
export type SignatureSchemeName = (typeof SIGNATURE_SCHEMES)[number];
export const SOURCE_KINDS = ['webhook', 'email'] as const;

export const SOURCE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const sourceName = z.string().regex(SOURCE_NAME, 'source names are lower-case letters, digits and -');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name such as X-GitHub-Event');
const jsonFieldPath = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a field path such as type or data.id');
const typeSegments = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const typePrefix = z.string().regex(typeSegments, 'a reverse-dotted prefix such as github');
const eventTypeName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/, 'a reverse-dotted type such as acme.order');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/** Where a secret comes from: never the value itself in a config file. */
const secretRef = z.union([z.strictObject({ env: envName }), z.strictObject({ file: z.string().min(1) })], {
  error: 'a secret is { env: VARIABLE_NAME } or { file: /path/to/secret } (never the value itself)',
});

const eventTypeRule = z.union(
  [
    z.strictObject({ header: headerName, prefix: typePrefix.optional() }),
    z.strictObject({ jsonField: jsonFieldPath, prefix: typePrefix.optional() }),
    z.strictObject({ fixed: eventTypeName }),
  ],
  { error: 'eventType is { header: X-GitHub-Event }, { jsonField: type } or { fixed: acme.order.created }' },
);

const common = {
  name: sourceName,
  kind: z.enum(SOURCE_KINDS).default('webhook'),
  secrets: z.array(secretRef).default([]),
  allowUnsigned: z.boolean().default(false),
  toleranceSeconds: z.number().int().positive().optional(),
  rateLimit: z
    .strictObject({ perMinute: z.number().int().positive().optional(), burst: z.number().int().positive().optional() })
    .optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  eventType: eventTypeRule.optional(),
  deliveryId: z
    .strictObject({ headers: z.array(headerName).min(1).optional(), jsonField: jsonFieldPath.optional() })
    .optional(),
  email: z.strictObject({ mimeFields: z.array(z.string().min(1)).min(1) }).optional(),
};

const sourceSpec = z
  .discriminatedUnion(
    'scheme',
    [
      z.strictObject({ ...common, scheme: z.literal('github') }),
      z.strictObject({ ...common, scheme: z.literal('stripe') }),
      z.strictObject({ ...common, scheme: z.literal('standard-webhooks') }),
      z.strictObject({ ...common, scheme: z.literal('none') }),
      z.strictObject({
        ...common,
        scheme: z.literal('hmac-sha256'),
        signature: z.strictObject({
          header: headerName,
          prefix: z.string().default(''),
          encoding: z.enum(['hex', 'base64']),
        }),
      }),
    ],
    { error: `scheme is one of ${SIGNATURE_SCHEMES.join(', ')}` },
  )
  .superRefine((source, ctx) => {
    if (source.scheme === 'none' && !source.allowUnsigned) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowUnsigned'],
        message: 'scheme none accepts anyone’s requests: set allowUnsigned: true to mean it',
      });
    }
    if (source.kind === 'email' && source.eventType !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['eventType'], message: 'an email source always emits email.incoming' });
    }
    if (source.eventType !== undefined && 'fixed' in source.eventType) {
      const fixed = source.eventType.fixed;
      if (fixed !== 'webhook.received' && isEventType(fixed)) {
        ctx.addIssue({
          code: 'custom',
          path: ['eventType', 'fixed'],
          message: `${fixed} is a catalogue type with its own schema; a webhook's type is webhook.received or one of its own`,
        });
      }
    }
    if (source.kind !== 'email' && source.email !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'email settings need kind: email' });
    }
  });
type SourceSpecInput = z.output<typeof sourceSpec>;

/** A signed scheme needs a secret; `none` must not pretend to have one. */
function secretCountProblem(scheme: SignatureSchemeName, count: number): string | undefined {
  if (scheme === 'none' && count > 0) return 'scheme none checks no signature: remove the secrets';
  if (scheme !== 'none' && count === 0) return `scheme ${scheme} needs at least one secret`;
  return undefined;
}

/** A secret's origin, with the config path that names it (for messages). */
export type SecretRef = ({ env: string } | { file: string } | { value: string }) & { where: string };

export type SignatureScheme =
  | { name: 'github' | 'stripe' | 'standard-webhooks' | 'none' }
  | { name: 'hmac-sha256'; header: string; prefix: string; encoding: 'hex' | 'base64' };

export type EventTypeRule =
  | { from: 'header'; header: string; prefix: string }
  | { from: 'jsonField'; path: string; prefix: string }
  | { from: 'fixed'; type: string }
  | { from: 'default' };

export interface DeliveryIdRule {
  jsonField?: string;
  headers: readonly string[];
}

/** A source as configured, before its secrets are read. */
export interface WebhookSourceSpec {
  /** Where it was configured: `sources[1]`, or `WEBHOOK_SOURCE_NAME` (for messages). */
  where: string;
  name: string;
  kind: 'webhook' | 'email';
  scheme: SignatureScheme;
  secrets: readonly SecretRef[];
  toleranceSeconds: number;
  rateLimit: { perMinute: number; burst: number };
  maxBodyBytes: number;
  eventType: EventTypeRule;
  deliveryId: DeliveryIdRule;
  /** Form fields that hold the raw MIME message (kind email). */
  mimeFields: readonly string[];
}

/** A source ready to serve: its secrets read. */
export interface WebhookSource extends Omit<WebhookSourceSpec, 'secrets' | 'where'> {
  secrets: readonly string[];
}

/** Where each scheme's senders put a delivery id that stays the same on a redelivery. */
export function defaultDeliveryIdRule(scheme: SignatureSchemeName): DeliveryIdRule {
  switch (scheme) {
    case 'github':
      return { headers: ['x-github-delivery'] };
    case 'standard-webhooks':
      return { headers: ['webhook-id', 'svix-id'] };
    case 'stripe':
      // A Stripe event's `id` (evt_…) is the same on every retry of its delivery.
      return { jsonField: 'id', headers: ['idempotency-key'] };
    default:
      return { headers: ['webhook-id', 'x-github-delivery', 'x-delivery-id', 'idempotency-key'] };
  }
}

/** Raw bytes of a mail provider's form field holding the whole message: SendGrid `email`, Mailgun `body-mime`. */
export const DEFAULT_MIME_FIELDS = ['email', 'body-mime'] as const;

interface SourceDefaults {
  toleranceSeconds: number;
  perMinute: number;
  burst: number | undefined;
  maxBodyBytes: number;
}

function defaultsOf(config: GatewayConfig): SourceDefaults {
  return {
    toleranceSeconds: config.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
    perMinute: config.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    burst: config.WEBHOOK_RATE_LIMIT_BURST,
    maxBodyBytes: config.WEBHOOK_MAX_BODY_BYTES,
  };
}

function toSpec(
  input: SourceSpecInput,
  where: string,
  secrets: SecretRef[],
  defaults: SourceDefaults,
): WebhookSourceSpec {
  const perMinute = input.rateLimit?.perMinute ?? defaults.perMinute;
  const rule = input.eventType;
  const prefix = rule !== undefined && 'prefix' in rule ? (rule.prefix ?? input.name) : input.name;
  const fallback = defaultDeliveryIdRule(input.scheme);
  return {
    where,
    name: input.name,
    kind: input.kind,
    scheme: input.scheme === 'hmac-sha256' ? { name: input.scheme, ...input.signature } : { name: input.scheme },
    secrets,
    toleranceSeconds: input.toleranceSeconds ?? defaults.toleranceSeconds,
    rateLimit: { perMinute, burst: input.rateLimit?.burst ?? defaults.burst ?? perMinute },
    maxBodyBytes: input.maxBodyBytes ?? defaults.maxBodyBytes,
    eventType:
      rule === undefined
        ? { from: 'default' }
        : 'header' in rule
          ? { from: 'header', header: rule.header, prefix }
          : 'jsonField' in rule
            ? { from: 'jsonField', path: rule.jsonField, prefix }
            : { from: 'fixed', type: rule.fixed },
    deliveryId:
      input.deliveryId === undefined
        ? fallback
        : {
            ...(input.deliveryId.jsonField === undefined ? {} : { jsonField: input.deliveryId.jsonField }),
            headers: input.deliveryId.headers ?? [],
          },
    mimeFields: input.email?.mimeFields ?? DEFAULT_MIME_FIELDS,
  };
}

/** `sources[1].secrets[0]` from a zod issue path. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function problemsOf(error: z.ZodError, prefix: readonly PropertyKey[]): { key: string; problem: string }[] {
  return error.issues.map((issue) => ({ key: pathText([...prefix, ...issue.path]), problem: issue.message }));
}

/** The local default when nothing is configured: one unsigned source, `sample` (deploy/local, the e2e tests). */
function sampleSource(defaults: SourceDefaults): WebhookSourceSpec {
  const input = sourceSpec.parse({ name: 'sample', scheme: 'none', allowUnsigned: true });
  return toSpec(input, 'the default source', [], defaults);
}

function singleSourceFromEnv(config: GatewayConfig, defaults: SourceDefaults): WebhookSourceSpec {
  const secrets: SecretRef[] = [];
  if (config.WEBHOOK_SECRET !== undefined) secrets.push({ value: config.WEBHOOK_SECRET, where: 'WEBHOOK_SECRET' });
  config.WEBHOOK_SECRETS?.forEach((value, i) => secrets.push({ value, where: `WEBHOOK_SECRETS[${i}]` }));
  if (config.WEBHOOK_SECRET_FILE !== undefined) {
    secrets.push({ file: config.WEBHOOK_SECRET_FILE, where: 'WEBHOOK_SECRET_FILE' });
  }
  const input = {
    name: config.WEBHOOK_SOURCE_NAME,
    scheme: config.WEBHOOK_SCHEME,
    kind: config.WEBHOOK_KIND,
    allowUnsigned: config.WEBHOOK_ALLOW_UNSIGNED,
    ...(config.WEBHOOK_SCHEME === 'hmac-sha256'
      ? {
          signature: {
            header: config.WEBHOOK_SIGNATURE_HEADER,
            prefix: config.WEBHOOK_SIGNATURE_PREFIX,
            encoding: config.WEBHOOK_SIGNATURE_ENCODING,
          },
        }
      : {}),
  };
  const parsed = sourceSpec.safeParse(input);
  const secretProblem = parsed.success ? secretCountProblem(parsed.data.scheme, secrets.length) : undefined;
  if (secretProblem !== undefined) {
    throw new ConfigError([{ key: 'WEBHOOK_SECRET, WEBHOOK_SECRETS or WEBHOOK_SECRET_FILE', problem: secretProblem }]);
  }
  if (!parsed.success) {
    const envKey: Record<string, string> = {
      name: 'WEBHOOK_SOURCE_NAME',
      scheme: 'WEBHOOK_SCHEME',
      kind: 'WEBHOOK_KIND',
      allowUnsigned: 'WEBHOOK_ALLOW_UNSIGNED',
      signature: 'WEBHOOK_SIGNATURE_HEADER / _PREFIX / _ENCODING',
    };
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        key: envKey[String(issue.path[0])] ?? 'WEBHOOK_SOURCE_NAME',
        problem: issue.message,
      })),
    );
  }
  return toSpec(parsed.data, 'WEBHOOK_SOURCE_NAME', secrets, defaults);
}

/** The configured sources, checked (pure: no secret is read here). Throws ConfigError naming each bad key. */
export function webhookSourceSpecs(config: GatewayConfig): WebhookSourceSpec[] {
  const defaults = defaultsOf(config);
  if (config.sources !== undefined && config.WEBHOOK_SOURCE_NAME !== undefined) {
    throw new ConfigError([
      {
        key: 'WEBHOOK_SOURCE_NAME',
        problem: 'set either the sources list in the config file or one source by WEBHOOK_SOURCE_NAME, not both',
      },
    ]);
  }
  if (config.WEBHOOK_SOURCE_NAME !== undefined) return [singleSourceFromEnv(config, defaults)];
  if (config.sources === undefined) return [sampleSource(defaults)];
  const problems: { key: string; problem: string }[] = [];
  const specs: WebhookSourceSpec[] = [];
  config.sources.forEach((raw, index) => {
    const parsed = sourceSpec.safeParse(raw);
    if (!parsed.success) {
      problems.push(...problemsOf(parsed.error, ['sources', index]));
      return;
    }
    const secretProblem = secretCountProblem(parsed.data.scheme, parsed.data.secrets.length);
    if (secretProblem !== undefined) problems.push({ key: `sources[${index}].secrets`, problem: secretProblem });
    const secrets = parsed.data.secrets.map((ref, i) => ({ ...ref, where: `sources[${index}].secrets[${i}]` }));
    specs.push(toSpec(parsed.data, `sources[${index}]`, secrets, defaults));
  });
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const first = seen.get(spec.name);
    if (first !== undefined) problems.push({ key: `${spec.where}.name`, problem: `"${spec.name}" is also ${first}` });
    seen.set(spec.name, spec.where);
  }
  if (config.sources.length === 0) problems.push({ key: 'sources', problem: 'the list is empty: no source to accept' });
  if (problems.length > 0) throw new ConfigError(problems);
  return specs;
}

export interface SecretReaders {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

/**
 * The secrets of each source: from an environment variable, or a file (a Kubernetes Secret
 * mounted as files) holding one secret per line, so a rotation is one more line. Read once
 * at start: a rotated file takes effect on the next rollout.
 */
export function resolveWebhookSources(specs: readonly WebhookSourceSpec[], readers: SecretReaders): WebhookSource[] {
  const problems: { key: string; problem: string }[] = [];
  const sources = specs.map(({ where: _where, secrets: refs, ...spec }) => {
    const secrets: string[] = [];
    for (const ref of refs) {
      const values = readSecret(ref, readers, problems);
      for (const value of values) {
        if (spec.scheme.name === 'standard-webhooks') {
          try {
            standardWebhookKey(value);
          } catch (error) {
            problems.push({ key: ref.where, problem: (error as Error).message });
            continue;
          }
        }
        secrets.push(value);
      }
    }
    return { ...spec, secrets };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}

function readSecret(ref: SecretRef, readers: SecretReaders, problems: { key: string; problem: string }[]): string[] {
  if ('value' in ref) return [ref.value];
  if ('env' in ref) {
    const value = readers.env[ref.env];
    if (value === undefined || value === '') {
      problems.push({ key: ref.where, problem: `environment variable ${ref.env} is not set` });
      return [];
    }
    return [value];
  }
  let text: string;
  try {
    text = readers.readFile(ref.file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    problems.push({ key: ref.where, problem: `file ${ref.file} not readable (${reason})` });
    return [];
  }
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) problems.push({ key: ref.where, problem: `file ${ref.file} is empty` });
  return lines;
}
