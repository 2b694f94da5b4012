/**
 * One valid example of each event type's latest data. Typed against `EventDataMap`, so a new
 * catalogue type fails to compile until it has an example; the examples appear in the
 * AsyncAPI document and the catalogue's tests round-trip each of them.
 */
import type { EventDataMap, EventType } from './event-catalog';

const invoicePdfSha256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

export const eventExamples: { readonly [T in EventType]: EventDataMap[T] } = {
  'webhook.received': {
    source: 'github',
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    contentType: 'application/json',
    payload: { ref: 'refs/heads/main', repository: { full_name: 'acme/shop' } },
  },
  'email.incoming': {
    messageId: 'CAF=3x1@mail.example.com',
    from: { address: 'billing@supplier.example', name: 'Supplier Billing' },
    to: [{ address: 'ap@acme.example' }],
    subject: 'Invoice 2024-0117',
    sentAt: '2024-05-02T09:14:03+02:00',
    receivedAt: '2024-05-02T07:14:05Z',
    text: 'Please find attached invoice 2024-0117.',
    attachments: [
      {
        filename: 'invoice-2024-0117.pdf',
        mediaType: 'application/pdf',
        size: 48213,
        sha256: invoicePdfSha256,
        location: 's3://flowline-mail/2024/05/02/invoice-2024-0117.pdf',
      },
    ],
  },
  'file.uploaded': {
    folder: 'invoices',
    path: '/srv/inbox/invoices/2024/invoice-2024-0117.pdf',
    relativePath: '2024/invoice-2024-0117.pdf',
    name: 'invoice-2024-0117.pdf',
    size: 48213,
    sha256: invoicePdfSha256,
    mediaType: 'application/pdf',
    modifiedAt: '2024-05-02T07:20:11.532Z',
    location: `claim:fs/sha256/${invoicePdfSha256}`,
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
    key: { id: 42 },
    before: null,
    after: { id: 42, email: 'ada@example.com', credit_limit: '2500.00' },
    commitTime: '2024-05-02T07:21:00.120Z',
  },
  'invoice.received': {
    document: {
      location: 's3://flowline-mail/2024/05/02/invoice-2024-0117.pdf',
      name: 'invoice-2024-0117.pdf',
      mediaType: 'application/pdf',
      size: 48213,
      sha256: invoicePdfSha256,
    },
    receivedVia: 'email',
    sender: { address: 'billing@supplier.example', name: 'Supplier Billing' },
  },
  'invoice.processed': {
    documentSha256: invoicePdfSha256,
    fields: {
      invoiceNumber: '2024-0117',
      issueDate: '2024-04-30',
      dueDate: '2024-05-30',
      supplier: { name: 'Supplier GmbH', vatId: 'DE123456789', iban: 'DE89370400440532013000' },
      currency: 'EUR',
      lines: [
        {
          description: 'Consulting, April',
          quantity: '12.5',
          unitPrice: { amountMinor: 9000, currency: 'EUR' },
          taxRatePercent: '19',
          net: { amountMinor: 112500, currency: 'EUR' },
        },
      ],
      net: { amountMinor: 112500, currency: 'EUR' },
      tax: { amountMinor: 21375, currency: 'EUR' },
      total: { amountMinor: 133875, currency: 'EUR' },
    },
    validation: {
      valid: true,
      issues: [{ code: 'due_date_soon', severity: 'warning', field: 'dueDate', message: 'due in fewer than 30 days' }],
    },
    decision: 'approved',
    confidence: 0.97,
  },
  'email.classified': {
    messageId: 'CAF=3x1@mail.example.com',
    category: 'invoice',
    confidence: 0.93,
    classifier: 'rules+naive-bayes-2026.11',
    draftedReply: {
      subject: 'Re: Invoice 2024-0117',
      text: 'Thank you, we received your invoice 2024-0117 and will process it.',
      to: [{ address: 'billing@supplier.example' }],
    },
    threadId: 'CAF=3x1@mail.example.com',
    from: { address: 'billing@supplier.example', name: 'Supplier GmbH Billing' },
    subject: 'Invoice 2024-0117',
    language: 'en',
    signals: ['subject names an invoice', 'PDF attachment that reads as an invoice'],
    invoiceDocuments: [
      {
        name: 'invoice-2024-0117.pdf',
        sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        location: 'claim:fs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      },
    ],
  },
  'document.processed': {
    kind: 'pdf',
    text: 'INVOICE 2024-0117 ...',
    metadata: {
      origin: 'file',
      folder: 'inbox',
      relativePath: 'supplier/invoice-2024-0117.pdf',
      name: 'invoice-2024-0117.pdf',
      mediaType: 'application/pdf',
      size: 48213,
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      location: 'claim:fs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      pageCount: 2,
      characters: 1874,
      textBytes: 1874,
      textTruncated: false,
      invoice: { detected: true, score: 0.86, signals: ['invoice number label', 'total with currency'] },
    },
  },
  'sync.completed': {
    target: { system: 'mongodb', instance: 'flowline_read_model.public.orders' },
    operation: 'upsert',
    entity: { type: 'public.orders', key: '{"id":1042}' },
    result: { status: 'applied', externalId: '1042' },
    attempts: 1,
    sourceChange: {
      op: 'update',
      position: 'pg/00000000016B3748/00000000016B3610',
      commitTime: '2024-05-02T07:14:05.118Z',
    },
  },
  'subscription.disabled': {
    subscriptionId: 'sub_4Jd0kq8Zr1mXw2Vb',
    endpoint: 'https://erp.example.com/hooks/flowline',
    reason: 'failing',
    message: '20 failed attempts in a row since 2024-05-02T07:14:05.118Z (last: HTTP 503)',
    consecutiveFailures: 20,
    failingSince: '2024-05-02T07:14:05.118Z',
    disabledAt: '2024-05-07T07:20:11.502Z',
    lastError: 'HTTP 503',
  },
};
