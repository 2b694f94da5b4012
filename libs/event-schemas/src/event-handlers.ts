/**
 * Typed handling by event type: a handler registered for `invoice.received` receives
 * `EventOf<'invoice.received'>`, its data typed by the latest schema version, without a cast.
 */
import type { EventDataMap, EventType } from './event-catalog';
import type { FlowlineEvent } from './envelope';

/** The decoded event of one type. */
export type EventOf<T extends EventType> = FlowlineEvent<T>;

/** The data of one type at its latest schema version. */
export type EventData<T extends EventType> = EventDataMap[T];

/** One handler per event type, each typed by its own event; types without a handler are left out. */
export type EventHandlers<Result> = {
  readonly [T in EventType]?: (event: EventOf<T>) => Result;
};

/**
 * Builds one function that hands each event to the handler for its type. It returns
 * `undefined` for a type without a handler, so the caller decides what an unhandled type
 * means (skip, route to events.unrouted, fail).
 */
export function handlerFor<Result>(handlers: EventHandlers<Result>): (event: FlowlineEvent) => Result | undefined {
  return (event) => {
    // `event.type` selects the handler whose parameter is exactly this event's type; TypeScript
    // cannot correlate the two through the union, hence the one cast here instead of in callers.
    // A derived type (`github.push`) has no handler here: handlers are registered per catalogue type.
    const handler = (handlers as Partial<Record<string, (event: FlowlineEvent) => Result>>)[event.type];
    return handler === undefined ? undefined : handler(event);
  };
}
