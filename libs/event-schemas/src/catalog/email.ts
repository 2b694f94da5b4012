/**
 * Email events: `email.incoming` (an inbound message, from webhook-gateway's inbound-mail
 * sources) and `email.classified` (email-agent's verdict on one).
 */
import { z } from 'zod';
import { byteCount, mailbox, mediaType, sha256Hex, timestamp } from './field-types';

const attachment = z.object({
  filename: z.string().optional(),
  mediaType,
  size: byteCount,
  sha256: sha256Hex,
  // Attachments travel by reference: Kafka messages are capped (1 MB by default), PDFs are not.
  location: z.string().min(1).optional().meta({ description: 'URI where the content is stored, when it was stored' }),
});

export const emailIncomingV1 = z
  .object({
    messageId: z.string().min(1).optional().meta({ description: 'RFC 5322 Message-ID, without angle brackets' }),
    inReplyTo: z.string().min(1).optional(),
    references: z.array(z.string().min(1)).optional(),
    from: mailbox,
    to: z.array(mailbox),
    cc: z.array(mailbox).optional(),
    replyTo: z.array(mailbox).optional(),
    subject: z.string(),
    sentAt: timestamp.optional().meta({ description: 'the Date header' }),
    receivedAt: timestamp.meta({ description: 'when the inbound-mail source received it' }),
    text: z.string().optional().meta({ description: 'the text/plain body' }),
    html: z.string().optional().meta({ description: 'the text/html body' }),
    attachments: z.array(attachment),
    rawMime: z
      .string()
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')
      .optional()
      .meta({ description: 'the original RFC 5322 message, base64, when the source provided it' }),
  })
  .meta({
    description:
      'An email arrived (webhook-gateway, inbound-mail sources): parsed fields, and the raw MIME when available.',
  });

export const emailClassifiedV1 = z
  .object({
    messageId: z.string().min(1).optional().meta({ description: 'Message-ID of the classified email' }),
    category: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]*$/, 'a lower-case category name such as invoice or support')
      .meta({ description: 'category name from the configured set, e.g. invoice, support, spam' }),
    confidence: z.number().min(0).max(1).meta({ description: 'classifier confidence, 0..1' }),
    classifier: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'model or rule set (with version) that decided, for audit' }),
    draftedReply: z
      .object({
        subject: z.string(),
        text: z.string(),
        to: z.array(mailbox).min(1),
      })
      .optional()
      .meta({ description: 'a reply for a human to review; never sent automatically by this event' }),
    // Optional additions within v1 (an older reader drops them): what a person triaging the
    // inbox, or `flowline trace`, needs without opening the original email.
    threadId: z.string().min(1).optional().meta({
      description:
        'the conversation: the first References id, else In-Reply-To, else the Message-ID (no angle brackets)',
    }),
    from: mailbox.optional().meta({ description: 'the sender' }),
    subject: z.string().optional(),
    language: z
      .string()
      .regex(/^[a-z]{2}$/, 'an ISO 639-1 code such as de')
      .optional()
      .meta({ description: 'ISO 639-1 code of the language the email is written in, when it could be told' }),
    signals: z
      .array(z.string())
      .optional()
      .meta({ description: 'why, in words: the rules that spoke for the category' }),
    invoiceDocuments: z
      .array(
        z.object({
          name: z.string().optional(),
          sha256: sha256Hex,
          location: z.string().min(1).meta({ description: 'claim-check reference of the stored document' }),
        }),
      )
      .optional()
      .meta({ description: 'attachments announced as invoice.received (one event each)' }),
    missingAttachments: z
      .array(z.object({ name: z.string().optional(), reason: z.string() }))
      .optional()
      .meta({ description: 'invoice attachments whose content was neither in the email nor in the claim-check store' }),
  })
  .meta({ description: 'An email was classified (email-agent): category, confidence, and a drafted reply.' });
