/**
 * The `sync.completed` of a change: what was done to which read model, from the recorded
 * outcome, so a redelivered input gets the same event (same id, same content). Pure.
 */
import { createEvent, derivedEventId, type FlowlineEvent, type SyncCompleted } from '@flowline/event-schemas';
import type { ReadModelChange } from './read-model-change';
import type { ApplyOutcome } from './read-model-target';

export function syncCompletedData(
  change: ReadModelChange,
  outcome: ApplyOutcome,
  target: { system: string; instance: string },
): SyncCompleted {
  const rowless = change.kind === 'truncate' || change.op === 'delete';
  return {
    target,
    operation: rowless ? 'delete' : 'upsert',
    entity: { type: change.readModel, key: change.kind === 'truncate' ? '*' : change.keyText },
    result:
      outcome.status === 'applied'
        ? { status: 'applied' }
        : {
            status: 'unchanged',
            reason: {
              code: 'stale',
              message:
                outcome.reason === 'truncated'
                  ? `the read model was truncated at ${outcome.current}, after this change`
                  : `the read model holds a newer change of this key (at ${outcome.current})`,
            },
            currentPosition: outcome.current,
          },
    sourceChange: { op: change.op, position: change.position, commitTime: change.commitTime },
  };
}

export function syncCompletedEvent(
  input: FlowlineEvent<'data.changed'>,
  change: ReadModelChange,
  outcome: ApplyOutcome,
  target: { system: string; instance: string },
): FlowlineEvent<'sync.completed'> {
  return createEvent('sync.completed', syncCompletedData(change, outcome, target), {
    source: '/sync-agent',
    causedBy: input,
    id: derivedEventId(input.id, 'sync.completed'),
    subject: change.readModel,
    partitionKey: input.partitionkey,
    time: new Date(outcome.syncedAt),
  });
}
