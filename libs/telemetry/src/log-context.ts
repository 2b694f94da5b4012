/**
 * Fields bound to everything logged while one piece of work runs — typically one event's
 * `correlationid` and `event_id` while its handler runs — without passing a logger around.
 * The consumer wraps each handler call in `withLogContext`; the logger's mixin reads the
 * fields back (AsyncLocalStorage, so they follow awaits and timers but not other events).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  correlationid?: string | undefined;
  event_id?: string | undefined;
  [field: string]: string | number | boolean | undefined;
}

const storage = new AsyncLocalStorage<Readonly<LogContext>>();

/** Runs `fn` with `fields` added to the log context (nested calls add to the outer fields). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const outer = storage.getStore();
  const own = definedOnly(fields);
  return storage.run(Object.freeze(outer === undefined ? own : { ...outer, ...own }), fn);
}

/** The fields bound by the enclosing `withLogContext` calls; empty outside any. */
export function currentLogContext(): Readonly<LogContext> {
  return storage.getStore() ?? {};
}

function definedOnly(fields: LogContext): LogContext {
  // Runs once per handled event: a plain loop, no intermediate arrays.
  const defined: Record<string, unknown> = {};
  for (const name of Object.keys(fields)) {
    const value = (fields as Record<string, unknown>)[name];
    if (value !== undefined) defined[name] = value;
  }
  return defined as LogContext;
}
