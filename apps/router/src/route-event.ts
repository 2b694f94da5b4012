/**
 * Routing decisions, as a pure function of the rules in force and one event:
 *
 * - matched: one output per target agent. Without a transform the record is forwarded byte
 *   for byte; with one, the output is the same event (same id, attributes, key) carrying the
 *   transformed data, which must still be valid data of its type (checked here, so a bad
 *   transform dead-letters at the router with the rule's name, not at the agent).
 * - not matched, from an ingress topic: `unrouted` (→ events.unrouted, for an operator).
 * - not matched, from events.domain: `dropped`. Most domain events are results
 *   (document.processed, invoice.processed) read by the notifier and the archiver; sending
 *   each to events.unrouted would bury the events an operator must look at.
 * - loop guard: an agent's own event (`source` `/<agent>-agent…`) is never routed back to that
 *   agent: a broad rule (`type: "**"`) would otherwise feed an agent its output forever.
 */
import { AGENT_NAMES, AgentName, decodeEvent, encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import { CompiledRuleSet, TransformNotApplicable } from '@flowline/routing-rules';

export interface RouteOutput {
  readonly target: AgentName;
  readonly rule: string;
  /** Set when the rule transformed the data: publish this event; else forward the record unchanged. */
  readonly transformed?: FlowlineEvent;
}

export interface RouterDecision {
  readonly outputs: readonly RouteOutput[];
  /** Set when no rule matched. */
  readonly unmatched?: 'unrouted' | 'dropped';
  /** Routes skipped by the loop guard. */
  readonly loopsPrevented: readonly { rule: string; target: AgentName }[];
}

export type InputKind = 'ingress' | 'domain';

const AGENT_SOURCE = new RegExp(`^/(${AGENT_NAMES.join('|')})-agent(?:/|$)`);

/** The agent that emitted an event, from its `source` (`/document-agent` → document). */
export function emittingAgent(source: string): AgentName | undefined {
  return AGENT_SOURCE.exec(source)?.[1] as AgentName | undefined;
}

export function routeEvent(rules: CompiledRuleSet, event: FlowlineEvent, input: InputKind): RouterDecision {
  const { matched, routes } = rules.evaluate(event);
  if (matched.length === 0)
    return { outputs: [], unmatched: input === 'ingress' ? 'unrouted' : 'dropped', loopsPrevented: [] };
  const emitter = emittingAgent(event.source);
  const outputs: RouteOutput[] = [];
  const loopsPrevented: { rule: string; target: AgentName }[] = [];
  for (const route of routes) {
    if (route.target === emitter) {
      loopsPrevented.push({ rule: route.rule, target: route.target });
      continue;
    }
    outputs.push(
      route.transformedData === undefined
        ? { target: route.target, rule: route.rule }
        : { target: route.target, rule: route.rule, transformed: withData(event, route.transformedData, route.rule) },
    );
  }
  return { outputs, loopsPrevented };
}

/**
 * The event with new data, validated as every consumer will validate it (encode, decode).
 * The decoded copy is what goes out: fields the type's schema does not know are dropped there
 * as they would be by any reader.
 */
function withData(event: FlowlineEvent, data: Record<string, unknown>, rule: string): FlowlineEvent {
  try {
    return decodeEvent(encodeEvent({ ...event, data } as FlowlineEvent));
  } catch (error) {
    throw new TransformNotApplicable(
      rule,
      `the transformed data is not valid ${event.type} data: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
