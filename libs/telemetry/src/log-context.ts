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
  // Runs once per handled event: one object, a plain loop, no intermediate arrays.
  const outer = storage.getStore();
  const merged: LogContext = outer === undefined ? {} : { ...outer };
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (value !== undefined) merged[name] = value;
  }
  // Frozen: every continuation of `fn` shares this object.
  return storage.run(Object.freeze(merged), fn);
}

/** The fields bound by the enclosing `withLogContext` calls; empty outside any. */
export function currentLogContext(): Readonly<LogContext> {
  return storage.getStore() ?? {};
}
