/**
 * What every classifier of the email agent answers. The default (local-classifier.ts) needs
 * nothing outside the process; a model behind an OpenAI-compatible endpoint
 * (chat-completions-classifier.ts) can replace it by configuration.
 */
import type { EmailAttachment, Mailbox } from '../email-message';

export const EMAIL_CATEGORIES = ['invoice', 'support', 'order', 'spam', 'other'] as const;
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

export function isEmailCategory(value: unknown): value is EmailCategory {
  return (EMAIL_CATEGORIES as readonly unknown[]).includes(value);
}

/** What a classifier reads of an email. */
export interface ClassifiableEmail {
  from: Mailbox;
  subject: string;
  text: string;
  attachments: readonly Pick<EmailAttachment, 'filename' | 'mediaType' | 'content'>[];
  /** Header values by lower-case name. */
  headers: Readonly<Record<string, string>>;
}

export interface Classification {
  category: EmailCategory;
  /** 0..1. */
  confidence: number;
  /** The model or rule set, with its version: recorded with the verdict, for audit. */
  classifier: string;
  /** Why, in words (the rules that fired), when the classifier can say. */
  signals?: string[];
}

export interface EmailClassifier {
  classify(email: ClassifiableEmail): Promise<Classification>;
}
