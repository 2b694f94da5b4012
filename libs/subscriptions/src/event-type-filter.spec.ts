import { compileEventTypeFilter } from './event-type-filter';
import { SubscriptionInvalid } from './subscription-errors';

describe('event type filter', () => {
  it('matches exact types and globs as the router writes them', () => {
    const filter = compileEventTypeFilter(['invoice.*', 'document.processed']);
    expect(filter.matches('invoice.processed')).toBe(true);
    expect(filter.matches('invoice.received')).toBe(true);
    expect(filter.matches('document.processed')).toBe(true);
    expect(filter.matches('document.received')).toBe(false);
    expect(filter.matches('invoice.processed.late')).toBe(false);
    expect(compileEventTypeFilter(['**']).matches('subscription.disabled')).toBe(true);
    expect(compileEventTypeFilter(['github.**']).matches('github.pull_request.opened')).toBe(true);
  });

  it('refuses no type, an odd character or a misplaced "**"', () => {
    expect(() => compileEventTypeFilter([])).toThrow(SubscriptionInvalid);
    expect(() => compileEventTypeFilter(['invoice processed'])).toThrow(/letters, digits/);
    expect(() => compileEventTypeFilter(['invoice.**x'])).toThrow(/must be a whole segment/);
  });
});
