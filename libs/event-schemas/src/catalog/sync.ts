/**
 * `sync.completed`: sync-agent applied (or deliberately did not apply) a change to a target
 * system. Transient failures are retried by the messaging runtime and never reach this event;
 * a target's permanent refusal does, so it can be notified and audited.
 */
import { z } from 'zod';

export const syncCompletedV1 = z
  .object({
    target: z.object({
      system: z.string().min(1).meta({ description: 'configured target name, e.g. erp, crm' }),
      instance: z.string().min(1).optional().meta({ description: 'tenant, company or endpoint within the system' }),
    }),
    operation: z.enum(['create', 'update', 'upsert', 'delete']),
    entity: z.object({
      type: z.string().min(1).meta({ description: 'entity type in the target, e.g. vendor_bill' }),
      key: z.string().min(1).meta({ description: 'our key for the entity (the idempotency key used with the target)' }),
    }),
    result: z.discriminatedUnion('status', [
      z.object({
        status: z.literal('applied'),
        externalId: z.string().min(1).optional().meta({ description: "the target's id for the entity" }),
        externalVersion: z.string().optional(),
      }),
      z.object({
        status: z
          .literal('unchanged')
          .meta({ description: 'the target already held this state (an idempotent replay)' }),
      }),
      z.object({
        status: z.literal('rejected'),
        reason: z
          .object({ code: z.string().min(1), message: z.string() })
          .meta({ description: "the target's permanent refusal" }),
      }),
    ]),
    attempts: z.number().int().min(1).optional(),
  })
  .meta({ description: 'A change was applied to a target system (sync-agent).' });
