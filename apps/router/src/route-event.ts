/**
 * Routing decisions, as a pure function of the event. This first rule set is fixed; YAML
 * rules with matching on type, source, subject and data (reloaded without restart) come
 * with the router issue.
 */
import type { AgentName, FlowlineEvent } from '@flowline/event-schemas';

export function routeEvent(event: FlowlineEvent): readonly AgentName[] {
  switch (event.type) {
    case 'webhook.received':
      return ['document'];
    default:
      return [];
  }
}
