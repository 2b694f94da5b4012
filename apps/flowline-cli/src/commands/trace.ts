import { NotFoundError, UsageError } from '../cli-error';
import type { CommandContext, EventStorePort } from '../ports';
import { renderTrace, traceToJson } from '../render-trace';

export interface TraceOptions {
  correlationId: string;
  json: boolean;
}

/** `flowline trace <correlationid>`: the causal tree from the event store. */
export async function traceCommand(
  store: Pick<EventStorePort, 'trace'>,
  options: TraceOptions,
  { output }: CommandContext,
): Promise<void> {
  if (options.correlationId.trim() === '') throw new UsageError('the correlation id is empty');
  const trace = await store.trace(options.correlationId);
  if (trace === undefined) {
    throw new NotFoundError(
      `no events with correlation id "${options.correlationId}" in the event store (is the event-archiver running?)`,
    );
  }
  output.out(options.json ? traceToJson(trace) : renderTrace(trace));
}
