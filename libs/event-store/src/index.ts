/**
 * The event store's schema and queries (by correlation id as a causal tree, by id, by type
 * and time) are built with the event-store issue; this entry exists so the layout's
 * project graph is complete.
 */
export {};
