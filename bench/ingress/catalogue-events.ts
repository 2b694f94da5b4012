/**
 * The router bench's input: the catalogue types the default rule file routes, in turn
 * (`email.incoming`, `file.uploaded`, `invoice.received`, `data.changed`,
 * `webhook.received`), each with realistic data from the service that emits it, built and
 * encoded by the same code the services use. Typed against the catalogue, so a schema change
 * breaks this file at compile time rather than the bench at run time.
 */
import { createEvent, type EventDataMap, type FlowlineEvent } from '@flowline/event-schemas';

type RoutedType = 'email.incoming' | 'file.uploaded' | 'invoice.received' | 'data.changed' | 'webhook.received';

/** The agent each type goes to under apps/router/rules/default.yaml: what the hand-written baseline hard-codes. */
export const DEFAULT_ROUTES: Readonly<Record<RoutedType, string>> = {
  'email.incoming': 'email',
  'file.uploaded': 'document',
  'invoice.received': 'invoice',
  'data.changed': 'sync',
  'webhook.received': 'document',
};

const sha256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function data(type: RoutedType, index: number): EventDataMap[RoutedType] {
  const examples: { [K in RoutedType]: EventDataMap[K] } = {
    'email.incoming': {
      messageId: `bench-${index}@mail.example.com`,
      from: { address: 'billing@supplier.example', name: 'Supplier Billing' },
      to: [{ address: 'ap@acme.example' }],
      subject: `Invoice 2024-${index}`,
      sentAt: '2024-05-02T09:14:03+02:00',
      receivedAt: '2024-05-02T07:14:05Z',
      text: 'Please find attached our invoice for April.',
      attachments: [
        {
          filename: `invoice-${index}.pdf`,
          mediaType: 'application/pdf',
          size: 48213,
          sha256,
          location: `s3://flowline-mail/2024/05/02/invoice-${index}.pdf`,
        },
      ],
    },
    'file.uploaded': {
      folder: 'invoices',
      path: `/srv/inbox/invoices/2024/invoice-${index}.pdf`,
      relativePath: `2024/invoice-${index}.pdf`,
      name: `invoice-${index}.pdf`,
      size: 48213,
      sha256,
      mediaType: 'application/pdf',
      modifiedAt: '2024-05-02T07:20:11.532Z',
      location: `claim:fs/sha256/${sha256}`,
    },
    'invoice.received': {
      document: {
        location: `s3://flowline-mail/2024/05/02/invoice-${index}.pdf`,
        name: `invoice-${index}.pdf`,
        mediaType: 'application/pdf',
        size: 48213,
        sha256,
      },
      receivedVia: 'email',
      sender: { address: 'billing@supplier.example', name: 'Supplier Billing' },
    },
    'data.changed': {
      op: 'update',
      source: {
        kind: 'postgres',
        database: 'shop',
        schema: 'public',
        table: 'customers',
        lsn: '0/16B3748',
        transactionId: 771,
      },
      key: { id: index },
      before: null,
      after: { id: index, email: `customer-${index}@example.com`, credit_limit: '2500.00' },
      commitTime: '2024-05-02T07:21:00.120Z',
    },
    'webhook.received': {
      source: 'github',
      deliveryId: `bench-${index}`,
      contentType: 'application/json',
      payload: { ref: 'refs/heads/main', repository: { full_name: 'acme/shop' }, index },
    },
  };
  return examples[type];
}

const SOURCES: Readonly<Record<RoutedType, string>> = {
  'email.incoming': '/webhook-gateway/inbound-mail',
  'file.uploaded': '/file-watcher',
  'invoice.received': '/email-agent',
  'data.changed': '/cdc-listener',
  'webhook.received': '/webhook-gateway/github',
};

const TYPES = Object.keys(DEFAULT_ROUTES) as RoutedType[];

/** Event `index` of the input: the routed types in turn. */
export function catalogueEvent(index: number): FlowlineEvent {
  const type = TYPES[index % TYPES.length] as RoutedType;
  return createEvent(type, data(type, index) as never, { source: SOURCES[type] });
}
