/**
 * `sync.completed`: sync-agent applied (or deliberately did not apply) a change to a target
 * system. Transient failures are retried by the messaging runtime and never reach this event;
 * a target's permanent refusal does, so it can be notified and audited.
 *
 * `sourceChange` and the `unchanged` result's `reason` / `currentPosition` were added to v1
 * as optional fields (tolerant readers drop them): a change replicated from a database says
 * which change it was and where it sits in the source's log, and a stale change (one older
 * than what the target already holds) says so instead of passing for an idempotent replay.
 */
import { z } from 'zod';
import { timestamp } from './field-types';

const sourcePosition = z.string().min(1).meta({
  description:
    "the change's position in its source's log as the sync-agent compares it (apps/sync-agent/README.md): PostgreSQL `pg/<commit LSN>/<change LSN>` (16 hex digits each), MongoDB `mongo/<resume token>`; later positions sort higher as strings",
});

export const syncCompletedV1 = z
  .object({
    target: z.object({
      system: z.string().min(1).meta({ description: 'configured target name, e.g. erp, crm, mongodb' }),
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
          .meta({ description: 'the target already held this state (an idempotent replay) or a newer one' }),
        reason: z
          .object({ code: z.string().min(1), message: z.string() })
          .optional()
          .meta({
            description:
              'why nothing was written, e.g. code `stale`: the target holds a newer change of the entity (or its table was truncated later)',
          }),
        currentPosition: sourcePosition
          .optional()
          .meta({ description: 'the newer source position the target holds, for a stale change' }),
      }),
      z.object({
        status: z.literal('rejected'),
        reason: z
          .object({ code: z.string().min(1), message: z.string() })
          .meta({ description: "the target's permanent refusal" }),
      }),
    ]),
    attempts: z.number().int().min(1).optional(),
    sourceChange: z
      .object({
        op: z.enum(['insert', 'update', 'delete', 'truncate', 'snapshot']).meta({
          description: 'the data.changed op; a truncate is operation `delete` of every entity of the type (key `*`)',
        }),
        position: sourcePosition,
        commitTime: timestamp.optional().meta({ description: 'commit time of the change at the source' }),
      })
      .optional()
      .meta({ description: 'the replicated change this result is for (data.changed), when it came from one' }),
  })
  .meta({ description: 'A change was applied to a target system (sync-agent).' });
