export {
  CONTENT_FILTER_LIMITS,
  CONTENT_FILTER_ROOTS,
  ContentFilterInvalid,
  parseContentFilter,
} from './content-filter';
export type { ContentFilter, FilterableEvent } from './content-filter';
export { compileEventTypeFilter } from './event-type-filter';
export type { EventTypeFilter } from './event-type-filter';
export { SubscriptionInvalid, SubscriptionNotFound } from './subscription-errors';
export { SubscriptionStore, SUBSCRIPTIONS_TABLE } from './subscription-store';
export type {
  ActiveSubscription,
  DisabledEndpoint,
  FailureRun,
  NewSubscription,
  Subscription,
} from './subscription-store';
