import Decimal from 'decimal.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';
import { isKnownCurrency } from './currencies';
import type { AutoApproveLimit } from './decide-invoice';

/** `5000 EUR, 4000.00 GBP` → one limit per currency. */
const autoApproveLimits = z
  .string()
  .default('1000.00 EUR')
  .transform((text, context): AutoApproveLimit[] => {
    const limits: AutoApproveLimit[] = [];
    for (const part of text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')) {
      const match = /^(\d+(?:\.\d+)?)\s*([A-Z]{3})$|^([A-Z]{3})\s*(\d+(?:\.\d+)?)$/.exec(part);
      const amount = match?.[1] ?? match?.[4];
      const currency = match?.[2] ?? match?.[3];
      if (amount === undefined || currency === undefined || !isKnownCurrency(currency)) {
        context.addIssue({ code: 'custom', message: `"${part}" is not "<amount> <ISO 4217 code>"` });
        return z.NEVER;
      }
      if (limits.some((limit) => limit.currency === currency)) {
        context.addIssue({ code: 'custom', message: `${currency} has two limits` });
        return z.NEVER;
      }
      limits.push({ currency, amount: new Decimal(amount) });
    }
    return limits;
  });

export const invoiceAgentConfig = baseServiceConfig
  .extend({
    PORT: configFields.port(8084),
    /** Decisions, the duplicate register and the inbox; also the `postgres` claim-check store. */
    DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
    /** The claim-check folder the file-watcher and email-agent store documents in (claim:fs/… references). */
    CLAIM_CHECK_DIR: withExample(z.string().min(1).default('.flowline/claim-checks'), '/claims'),
    /**
     * Totals strictly under the limit of their currency are approved automatically (when
     * valid); one limit per currency, comma-separated. A currency without a limit is reviewed.
     */
    INVOICE_AUTO_APPROVE_LIMIT: withExample(autoApproveLimits, '5000 EUR,5000 USD,4000 GBP'),
    /** Number, supplier, currency and total must be read at least this confidently to approve. */
    INVOICE_MIN_CONFIDENCE: withExample(z.coerce.number().min(0).max(1).default(0.8), '0.8'),
    /** Assumed (and flagged) when a document shows no currency; unset: the currency is missing. */
    INVOICE_DEFAULT_CURRENCY: withExample(
      z.string().refine(isKnownCurrency, { message: 'an ISO 4217 currency code' }).optional(),
      'EUR',
    ),
    /** `rules` (deterministic, the default) or `model` (an OpenAI-compatible endpoint, below). */
    INVOICE_EXTRACTOR: withExample(z.enum(['rules', 'model']).default('rules'), 'model'),
    /** Chat-completions endpoint: a base URL (`…/v1`) or the full `…/chat/completions` URL. */
    INVOICE_MODEL_URL: withExample(z.url().optional(), 'http://llm:8000/v1'),
    INVOICE_MODEL_NAME: withExample(z.string().min(1).optional(), 'qwen2.5-7b-instruct'),
    INVOICE_MODEL_API_KEY: withExample(z.string().min(1).optional(), 'sk-…'),
    /** A file holding the key (a mounted Kubernetes Secret); read at start. */
    INVOICE_MODEL_API_KEY_FILE: withExample(z.string().min(1).optional(), '/var/run/secrets/invoice-model/key'),
    INVOICE_MODEL_TIMEOUT_MS: configFields.positiveInt(60_000),
    /** Documents larger than this are dead-lettered (DOCUMENT_TOO_LARGE): they are read into memory. */
    INVOICE_MAX_DOCUMENT_BYTES: configFields.positiveInt(25_000_000),
    /** PDF pages read at most. */
    INVOICE_MAX_PAGES: configFields.positiveInt(50),
  })
  .superRefine((config, context) => {
    if (config.INVOICE_EXTRACTOR !== 'model') return;
    for (const key of ['INVOICE_MODEL_URL', 'INVOICE_MODEL_NAME'] as const) {
      if (config[key] === undefined) {
        context.addIssue({ code: 'custom', path: [key], message: `INVOICE_EXTRACTOR=model needs ${key}` });
      }
    }
    if (config.INVOICE_MODEL_API_KEY !== undefined && config.INVOICE_MODEL_API_KEY_FILE !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['INVOICE_MODEL_API_KEY_FILE'],
        message: 'set INVOICE_MODEL_API_KEY or INVOICE_MODEL_API_KEY_FILE, not both',
      });
    }
  });
export type InvoiceAgentConfig = z.infer<typeof invoiceAgentConfig>;

/** The model's key: from the environment, or read from its file (trailing newline dropped). */
export function modelApiKey(
  config: InvoiceAgentConfig,
  readFile = (path: string) => readFileSync(path, 'utf8'),
): string | undefined {
  if (config.INVOICE_MODEL_API_KEY_FILE === undefined) return config.INVOICE_MODEL_API_KEY;
  return readFile(config.INVOICE_MODEL_API_KEY_FILE).trim();
}
