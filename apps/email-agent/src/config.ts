import { z } from 'zod';
import { baseServiceConfig, configFields, withExample } from '@flowline/service-runtime';

export const CLAIM_CHECK_STORES = ['folder', 'postgres'] as const;

/**
 * The claim-check keys are the file-watcher's (apps/file-watcher/src/config.ts), so one
 * shared setting serves every service that stores or reads attachments.
 */
export const emailAgentConfig = baseServiceConfig
  .extend({
    PORT: configFields.port(8085),
    /** Where invoice attachments are stored: `folder` (CLAIM_CHECK_DIR) or `postgres` (large objects in DATABASE_URL). */
    CLAIM_CHECK_STORE: withExample(z.enum(CLAIM_CHECK_STORES).default('folder'), 'postgres'),
    /** The claim-check folder, shared with the invoice agent that reads the documents (default `.flowline/claim-checks`). */
    CLAIM_CHECK_DIR: withExample(z.string().min(1).default('.flowline/claim-checks'), '/claims'),
    /** The claim-check store `postgres` (read only then). */
    DATABASE_URL: configFields.url('postgres://postgres@127.0.0.1:55432/flowline', ['postgres', 'postgresql']),
    /**
     * An OpenAI-compatible chat-completions endpoint (`…/v1/chat/completions`, or the base
     * URL `…/v1`). Set: emails are classified by that model, and by the shipped local
     * classifier whenever the model fails. Unset (the default): by the local classifier.
     */
    EMAIL_MODEL_URL: withExample(z.url({ protocol: /^https?$/ }).optional(), 'http://llm-gateway:4000/v1'),
    /** The model name the endpoint expects (needed with EMAIL_MODEL_URL). */
    EMAIL_MODEL_NAME: withExample(z.string().min(1).optional(), 'gpt-4o-mini'),
    /** Sent as `Authorization: Bearer …` when set (redacted in logs). */
    EMAIL_MODEL_API_KEY: withExample(z.string().min(1).optional(), 'sk-…'),
    /** How long one classification request may take before the local classifier answers instead. */
    EMAIL_MODEL_TIMEOUT_MS: configFields.positiveInt(10_000),
    /** The signature under drafted replies. */
    EMAIL_REPLY_SIGNATURE: withExample(z.string().min(1).default('Customer Service'), 'Acme Customer Service'),
  })
  .superRefine((config, context) => {
    if (config.EMAIL_MODEL_URL !== undefined && config.EMAIL_MODEL_NAME === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['EMAIL_MODEL_NAME'],
        message: 'EMAIL_MODEL_URL is set, so EMAIL_MODEL_NAME must name the model to ask (e.g. gpt-4o-mini)',
      });
    }
  });
export type EmailAgentConfig = z.infer<typeof emailAgentConfig>;
