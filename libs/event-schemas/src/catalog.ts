/**
 * The event catalogue: one zod schema per event type and data-schema version.
 * Types form a discriminated union on `type`, so a handler for one type gets its data typed.
 * This first slice holds the types the walking skeleton uses; the rest of the catalogue
 * (ARCHITECTURE.md) is added with the services that emit them.
 */
import { z } from 'zod';

export const webhookReceivedV1 = z.object({
  source: z.string().min(1),
  deliveryId: z.string().min(1).optional(),
  contentType: z.string().optional(),
  payload: z.unknown(),
});

export const documentProcessedV1 = z.object({
  kind: z.string().min(1),
  text: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});

export const eventCatalog = {
  'webhook.received': { 1: webhookReceivedV1 },
  'document.processed': { 1: documentProcessedV1 },
} as const;

export type EventType = keyof typeof eventCatalog;
type LatestVersion<T extends EventType> = keyof (typeof eventCatalog)[T] & number;

/** The data of each event type at its current schema version. */
export type EventDataMap = {
  [T in EventType]: z.infer<(typeof eventCatalog)[T][LatestVersion<T>]>;
};

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventCatalog, type);
}

export function currentSchemaVersion(type: EventType): number {
  return Math.max(...Object.keys(eventCatalog[type]).map(Number));
}

export function schemaFor(type: EventType, version: number): z.ZodType | undefined {
  return (eventCatalog[type] as Record<number, z.ZodType | undefined>)[version];
}
