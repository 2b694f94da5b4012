/**
 * The sample data of `npm start` for the flows that do not start with a webhook: a PDF
 * invoice dropped into the watched folder, and a row inserted into the watched PostgreSQL
 * table. Each sample is new on every start (its own invoice number, its own order id), since
 * the file-watcher publishes a content once and the read model keeps what it applied.
 */
import { createWriteStream, renameSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { MongoClient } from 'mongodb';
import PDFDocument from 'pdfkit';
import pg from 'pg';

/** The table the local cdc-listener watches (CDC_TABLES), created before it starts. */
export const SAMPLE_TABLE = 'sample_orders';

export async function prepareSampleTable(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SAMPLE_TABLE} (id text PRIMARY KEY, customer text NOT NULL, total numeric(12,2) NOT NULL, status text NOT NULL)`,
    );
  } finally {
    await client.end();
  }
}

/** Writes a one-page invoice PDF with a new number next to the inbox, then moves it in (as an upload completes). */
export async function dropSampleInvoice(inbox: string): Promise<string> {
  const number = `SMP-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${String(Date.now() % 100_000).padStart(5, '0')}`;
  const name = `invoice-${number}.pdf`;
  const partial = join(inbox, `.${name}.part`);
  const document = new PDFDocument({ size: 'A4', margin: 56 });
  const written = finished(document.pipe(createWriteStream(partial)));
  document.fontSize(16).text('Harbour Office Supplies Ltd');
  document.fontSize(10).text('12 Dock Road, Bristol BS1 4XX, United Kingdom').text('VAT No. GB123456789').moveDown();
  document.fontSize(14).text('INVOICE').fontSize(10);
  document.text(`Invoice number: ${number}`).text('Invoice date: 2026-11-20').text('Due date: 2026-12-20').moveDown();
  document.text('Bill to: Flowline Sample Ltd').moveDown();
  document.text('Description                 Qty   Unit price   Amount');
  document.text('Printer paper A4 (box)        4        24.50    98.00');
  document.text('Toner cartridge black         2        61.25   122.50').moveDown();
  document.text('Subtotal: GBP 220.50').text('VAT 20%: GBP 44.10').text('Total: GBP 264.60');
  document.end();
  await written;
  renameSync(partial, join(inbox, name));
  return name;
}

/** Inserts a new order into the watched table; answers its id. */
export async function insertSampleOrder(databaseUrl: string): Promise<string> {
  const id = `ord-${Date.now()}`;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`INSERT INTO ${SAMPLE_TABLE} (id, customer, total, status) VALUES ($1, $2, $3, $4)`, [
      id,
      'Acme Corp',
      '1250.40',
      'new',
    ]);
  } finally {
    await client.end();
  }
  return id;
}

/**
 * The correlation id of the first event of a flow, found in the event store once the
 * archiver stored it: the file's `file.uploaded` (subject = its path) or the row's `data.changed`.
 */
export async function correlationIdOf(
  databaseUrl: string,
  find: { type: string; subject: string; key?: string },
  timeoutMs = 60_000,
): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ correlationid: string }>(
        `SELECT correlationid FROM event_store.events
          WHERE type = $1 AND subject = $2 AND ($3::text IS NULL OR data->'key'->>'id' = $3)
          ORDER BY kafka_timestamp LIMIT 1`,
        [find.type, find.subject, find.key ?? null],
      );
      if (rows[0] !== undefined) return rows[0].correlationid;
      if (Date.now() > deadline)
        throw new Error(`no ${find.type} of ${find.subject} in the event store within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await client.end();
  }
}

/** The sync agent's read-model document of a sample order (default database and collection naming). */
export async function readModelDocument(mongoUrl: string, id: string): Promise<unknown> {
  const client = await MongoClient.connect(mongoUrl);
  try {
    return await client
      .db('flowline_read_model')
      .collection<{ _id: string }>(`public.${SAMPLE_TABLE}`)
      .findOne({ _id: id });
  } finally {
    await client.close();
  }
}
