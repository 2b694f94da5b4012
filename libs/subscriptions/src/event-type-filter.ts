/**
 * Which event types a subscription receives: exact types (`invoice.processed`) or globs as the
 * router writes them (`invoice.*`, `**` for every type; libs/routing-rules `compileNamePattern`).
 */
import { compileNamePattern, PatternInvalid } from '@flowline/routing-rules';
import { SubscriptionInvalid } from './subscription-errors';

export interface EventTypeFilter {
  readonly patterns: readonly string[];
  matches(type: string): boolean;
}

const TYPE_PATTERN = /^[A-Za-z0-9*][A-Za-z0-9._*-]*$/;

export function compileEventTypeFilter(patterns: readonly string[]): EventTypeFilter {
  if (patterns.length === 0) throw new SubscriptionInvalid('a subscription names at least one event type (or "**")');
  const compiled = patterns.map((pattern) => {
    if (!TYPE_PATTERN.test(pattern))
      throw new SubscriptionInvalid(
        `event type "${pattern}": letters, digits, ".", "_", "-" and "*" only, e.g. invoice.processed or invoice.*`,
      );
    try {
      return compileNamePattern(pattern, '.');
    } catch (error) {
      if (error instanceof PatternInvalid)
        throw new SubscriptionInvalid(`event type "${pattern}": ${error.message}`, { cause: error });
      throw error;
    }
  });
  return { patterns, matches: (type) => compiled.some((pattern) => pattern.matches(type)) };
}
