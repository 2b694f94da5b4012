/**
 * One `email.incoming` → the events it causes: `email.classified`, and one `invoice.received`
 * per invoice attachment, whose content is stored by claim check first (the event carries the
 * reference, never the bytes). Both kinds are caused by the input (same correlation id,
 * causation id = its id), with ids derived from it, so handling the same input again gives
 * the same ids: `derivedEventId(input, 'email.classified')` and
 * `stableEventId(input, 'invoice.received', sha256)`.
 *
 * The only effects are these events and content-addressed files (storing the same bytes twice
 * is one object), which is what lets the consumer run as a Kafka-transactional stage
 * (docs/architecture.md "Three patterns", 1).
 */
import { Readable } from 'node:stream';
import { ClaimNotFound, isClaimReference, parseClaimReference, type ClaimCheckStore } from '@flowline/claim-check';
import {
  createEvent,
  derivedEventId,
  stableEventId,
  type EmailClassified,
  type FlowlineEvent,
} from '@flowline/event-schemas';
import type { Classification, EmailClassifier } from './classifier/email-classifier';
import type { EmailAttachment, ParsedEmail } from './email-message';
import { invoiceAttachmentsOf, invoiceMediaType } from './invoice-attachments';
import { detectLanguage } from './language';
import { readIncomingEmail } from './read-incoming-email';
import { caseReference, draftReply } from './reply-draft';

export const SOURCE = '/email-agent';

export interface EmailOutputsOptions {
  classifier: EmailClassifier;
  store: ClaimCheckStore;
  replySignature: string;
}

export interface StoredDocument {
  attachment: EmailAttachment;
  location: string;
  sha256: string;
  size: number;
}

export interface MissingDocument {
  attachment: EmailAttachment;
  reason: string;
}

export interface EmailOutputs {
  email: ParsedEmail;
  classification: Classification;
  events: FlowlineEvent[];
  stored: StoredDocument[];
  missing: MissingDocument[];
}

export async function emailOutputs(
  event: FlowlineEvent<'email.incoming'>,
  options: EmailOutputsOptions,
): Promise<EmailOutputs> {
  const email = await readIncomingEmail(event);
  const classification = await options.classifier.classify(email);
  const stored: StoredDocument[] = [];
  const missing: MissingDocument[] = [];
  for (const attachment of invoiceAttachmentsOf(email.attachments, classification.category)) {
    const outcome = await storeDocument(options.store, attachment);
    if ('reason' in outcome) missing.push(outcome);
    else stored.push(outcome);
  }

  const language = detectLanguage(`${email.subject}\n${email.text}`);
  const reply = draftReply(email, classification.category, language, {
    reference: caseReference(email, event.id),
    signature: options.replySignature,
  });
  const data: EmailClassified = {
    ...(email.messageId === undefined ? {} : { messageId: email.messageId }),
    category: classification.category,
    confidence: classification.confidence,
    classifier: classification.classifier,
    ...(reply === undefined ? {} : { draftedReply: reply }),
    ...(email.threadId === undefined ? {} : { threadId: email.threadId }),
    from: email.from,
    subject: email.subject,
    ...(language === undefined ? {} : { language }),
    ...(classification.signals === undefined || classification.signals.length === 0
      ? {}
      : { signals: classification.signals }),
    ...(stored.length === 0
      ? {}
      : {
          invoiceDocuments: stored.map((document) => ({
            ...nameOf(document.attachment),
            sha256: document.sha256,
            location: document.location,
          })),
        }),
    ...(missing.length === 0
      ? {}
      : {
          missingAttachments: missing.map((document) => ({ ...nameOf(document.attachment), reason: document.reason })),
        }),
  };
  const caused = { source: SOURCE, causedBy: event, partitionKey: event.partitionkey };
  const events: FlowlineEvent[] = [
    createEvent('email.classified', data, { ...caused, id: derivedEventId(event.id, 'email.classified') }),
    ...stored.map((document) =>
      createEvent(
        'invoice.received',
        {
          document: {
            location: document.location,
            ...(document.attachment.filename === undefined ? {} : { name: document.attachment.filename }),
            mediaType: invoiceMediaType(document.attachment),
            size: document.size,
            sha256: document.sha256,
          },
          receivedVia: 'email',
          sender: email.from,
        },
        { ...caused, id: stableEventId(event.id, 'invoice.received', document.sha256) },
      ),
    ),
  ];
  return { email, classification, events, stored, missing };
}

function nameOf(attachment: EmailAttachment): { name?: string } {
  return attachment.filename === undefined ? {} : { name: attachment.filename };
}

/**
 * The attachment's content in the claim-check store: its bytes stored (idempotent by hash),
 * or the reference it came with, checked to exist when it is this store's. Store failures
 * other than "not there" are thrown, to be retried.
 */
async function storeDocument(
  store: ClaimCheckStore,
  attachment: EmailAttachment,
): Promise<StoredDocument | MissingDocument> {
  if (attachment.content !== undefined) {
    const claim = await store.put(Readable.from([attachment.content]), {
      ...(attachment.sha256 === undefined ? {} : { expectedSha256: attachment.sha256 }),
    });
    return { attachment, location: claim.reference, sha256: claim.sha256, size: claim.size };
  }
  const location = attachment.location;
  if (location === undefined) {
    return { attachment, reason: 'no content: the email carries neither the bytes nor a claim-check reference' };
  }
  if (!isClaimReference(location)) {
    return {
      attachment,
      reason: `no content: "${location.slice(0, 120)}" is not a claim-check reference the agents can read`,
    };
  }
  const reference = parseClaimReference(location);
  if (reference.store === store.kind) {
    try {
      (await store.open(location)).destroy();
    } catch (error) {
      if (error instanceof ClaimNotFound)
        return { attachment, reason: `no content: nothing is stored under ${location}` };
      throw error;
    }
  }
  return { attachment, location, sha256: reference.sha256, size: attachment.size };
}
