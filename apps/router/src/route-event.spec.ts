import { createEvent } from '@flowline/event-schemas';
import { routeEvent } from './route-event';

describe('routeEvent', () => {
  it('sends a received webhook to the document agent', () => {
    const event = createEvent(
      'webhook.received',
      { source: 'sample', payload: {} },
      { source: '/webhook-gateway/sample' },
    );
    expect(routeEvent(event)).toEqual(['document']);
  });

  it('matches no rule for a processed document, so it goes to events.unrouted', () => {
    const event = createEvent(
      'document.processed',
      { kind: 'json', text: '{}', metadata: {} },
      { source: '/document-agent' },
    );
    expect(routeEvent(event)).toEqual([]);
  });
});
