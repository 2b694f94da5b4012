/**
 * The event catalogue (docs/architecture.md "Event catalogue"): every event type with its
 * data-schema versions. `FlowlineEvent` and `EventDataMap` are derived from it, typed by each
 * type's latest version, which is what `decodeEvent` returns after upcasting.
 *
 * Every type is at version 1: nothing older has been published. To change a type
 * incompatibly, add a version with its upcast (`.addVersion(schemaV2, (v1) => ...)`); see
 * README.md and schema-registry.ts.
 */
import { z } from 'zod';
import { dataChangedV1 } from './catalog/data';
import { documentProcessedV1 } from './catalog/document';
import { emailClassifiedV1, emailIncomingV1 } from './catalog/email';
import { fileUploadedV1 } from './catalog/file';
import { invoiceProcessedV1, invoiceReceivedV1 } from './catalog/invoice';
import { subscriptionDisabledV1 } from './catalog/subscription';
import { syncCompletedV1 } from './catalog/sync';
import { webhookReceivedV1 } from './catalog/webhook';
import { historyFor, LatestData, SchemaRegistry, versionHistory } from './schema-registry';

export const eventCatalog = {
  'webhook.received': versionHistory(webhookReceivedV1),
  'email.incoming': versionHistory(emailIncomingV1),
  'file.uploaded': versionHistory(fileUploadedV1),
  'data.changed': versionHistory(dataChangedV1),
  'invoice.received': versionHistory(invoiceReceivedV1),
  'invoice.processed': versionHistory(invoiceProcessedV1),
  'email.classified': versionHistory(emailClassifiedV1),
  'document.processed': versionHistory(documentProcessedV1),
  'sync.completed': versionHistory(syncCompletedV1),
  'subscription.disabled': versionHistory(subscriptionDisabledV1),
} as const satisfies SchemaRegistry;

export type EventType = keyof typeof eventCatalog;

/**
 * Types that carry what an outside sender sent: besides JSON data, their data may be the
 * exact bytes of another media type (a form post, XML, a raw MIME message).
 */
export const BINARY_DATA_TYPES = ['webhook.received', 'email.incoming'] as const satisfies readonly EventType[];
export type BinaryDataType = (typeof BINARY_DATA_TYPES)[number];

/** Every catalogue type, in catalogue order. */
export const EVENT_TYPES = Object.keys(eventCatalog) as readonly EventType[];

/** The data of each event type at its latest schema version. */
export type EventDataMap = {
  [T in EventType]: LatestData<(typeof eventCatalog)[T]>;
};

export type WebhookReceived = EventDataMap['webhook.received'];
export type EmailIncoming = EventDataMap['email.incoming'];
export type FileUploaded = EventDataMap['file.uploaded'];
export type DataChanged = EventDataMap['data.changed'];
export type InvoiceReceived = EventDataMap['invoice.received'];
export type InvoiceProcessed = EventDataMap['invoice.processed'];
export type EmailClassified = EventDataMap['email.classified'];
export type DocumentProcessed = EventDataMap['document.processed'];
export type SyncCompleted = EventDataMap['sync.completed'];
export type SubscriptionDisabled = EventDataMap['subscription.disabled'];

export function isEventType(type: string): type is EventType {
  return historyFor(eventCatalog, type) !== undefined;
}

export function currentSchemaVersion(type: EventType): number {
  return eventCatalog[type].latestVersion;
}

/** The schema of `version` of `type`, or `undefined` when there is no such version. */
export function schemaFor(type: EventType, version: number): z.ZodType | undefined {
  return eventCatalog[type].versions[version - 1]?.schema;
}
