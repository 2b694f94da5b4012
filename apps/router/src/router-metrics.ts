/** The router's own metrics, beside the consumer runtime's (events consumed/produced, DLQ writes, lag). */
import { Counter, Gauge } from 'prom-client';
import type { ServiceMetrics } from '@flowline/telemetry';

export interface RouterMetrics {
  /** Events sent to an agent topic, by the rule that matched and the target agent. */
  readonly routed: Counter<'rule' | 'target'>;
  /** Events no rule matched, by input topic: `unrouted` (sent to events.unrouted) or `dropped` (domain events). */
  readonly unmatched: Counter<'topic' | 'outcome'>;
  /** Routes not taken because they would send an agent's own event back to it. */
  readonly loopsPrevented: Counter<'rule' | 'target'>;
  /** Rule file reloads: `ok` (new rules in force) or `failed` (rejected, old rules kept). */
  readonly reloads: Counter<'outcome'>;
  /** Rules in the rule set in force. */
  readonly rulesLoaded: Gauge;
}

export function createRouterMetrics({ registry }: ServiceMetrics): RouterMetrics {
  return {
    routed: new Counter({
      name: 'flowline_router_routed_total',
      help: 'Events the router sent to an agent topic, by matching rule and target agent',
      labelNames: ['rule', 'target'],
      registers: [registry],
    }),
    unmatched: new Counter({
      name: 'flowline_router_unmatched_total',
      help: 'Events no rule matched, by input topic and outcome (unrouted: sent to events.unrouted; dropped: a domain event)',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    }),
    loopsPrevented: new Counter({
      name: 'flowline_router_loops_prevented_total',
      help: "Routes skipped because they would send an agent's own event back to that agent",
      labelNames: ['rule', 'target'],
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'flowline_router_rule_reloads_total',
      help: 'Rule file reloads, by outcome (ok: new rules in force; failed: rejected, previous rules kept)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    rulesLoaded: new Gauge({
      name: 'flowline_router_rules_loaded',
      help: 'Rules in the rule set in force',
      registers: [registry],
    }),
  };
}
