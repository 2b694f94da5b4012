/**
 * Typing is the behaviour here: this file fails `tsc` (and lint) if a handler stops getting
 * its type's data without a cast. `@ts-expect-error` lines must keep being errors.
 */
import { createEvent, FlowlineEvent } from './envelope';
import type { InvoiceReceived } from './event-catalog';
import { eventExamples } from './event-examples';
import { EventData, EventOf, handlerFor } from './event-handlers';

type Equal<A, B> = (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
function assertType<_Check extends true>(): void {}

describe('typed event handlers', () => {
  const invoice = createEvent('invoice.received', eventExamples['invoice.received'], { source: '/email-agent' });
  const file = createEvent('file.uploaded', eventExamples['file.uploaded'], { source: '/file-watcher' });

  it('hands each event to the handler for its type, with its data typed', () => {
    const describeEvent = handlerFor<string>({
      'invoice.received': (event) => `invoice ${event.data.document.sha256} via ${event.data.receivedVia}`,
      'file.uploaded': (event) => `file ${event.data.name} (${event.data.size} bytes)`,
    });
    expect(describeEvent(invoice)).toBe(`invoice ${eventExamples['invoice.received'].document.sha256} via email`);
    expect(describeEvent(file)).toBe('file invoice-2024-0117.pdf (48213 bytes)');
  });

  it('returns undefined for a type without a handler, leaving the decision to the caller', () => {
    const onlyInvoices = handlerFor({ 'invoice.received': () => 'handled' });
    expect(onlyInvoices(file)).toBeUndefined();
  });

  it('types the data of EventOf<T> by the latest schema', () => {
    assertType<Equal<EventOf<'invoice.received'>['data'], InvoiceReceived>>();
    assertType<Equal<EventData<'invoice.processed'>['decision'], 'approved' | 'needs_review' | 'rejected'>>();
    assertType<
      Equal<EventData<'invoice.processed'>['fields']['total'], { amountMinor: number; currency: string } | undefined>
    >();
    const size: number = file.data.size;
    expect(size).toBe(48213);
  });

  it('narrows the union on type', () => {
    const sizeOf = (event: FlowlineEvent): number | undefined =>
      event.type === 'file.uploaded' ? event.data.size : undefined;
    expect(sizeOf(file)).toBe(48213);
    expect(sizeOf(invoice)).toBeUndefined();
  });

  it('refuses at compile time a field another type has, or a wrong handler signature', () => {
    handlerFor({
      'invoice.received': (event) =>
        // @ts-expect-error `size` belongs to file.uploaded, not to invoice.received
        String(event.data.size),
    });
    handlerFor({
      // @ts-expect-error a file.uploaded handler cannot be given for invoice.received
      'invoice.received': (event: EventOf<'file.uploaded'>) => event.data.name,
    });
    // @ts-expect-error not a catalogue type
    handlerFor({ 'invoice.paid': () => undefined });
    // @ts-expect-error total is money ({ amountMinor, currency }), never a bare number
    const total: number | undefined = createEvent('invoice.processed', eventExamples['invoice.processed'], {
      source: '/x',
    }).data.fields.total;
    expect(total).toBeDefined();
  });
});
