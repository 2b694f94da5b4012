/**
 * The model-backed extractor against a tiny local HTTP server that answers as an
 * OpenAI-compatible chat-completions endpoint would (the model is the faked collaborator).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExtractedDocument } from '@flowline/documents';
import { ExtractionModelRejected, ExtractionModelUnavailable } from './invoice-errors';
import { answerObject, ModelInvoiceExtractor } from './model-invoice-extractor';
import { RulesInvoiceExtractor } from './rules-invoice-extractor';

interface Seen {
  url: string;
  authorization: string | undefined;
  body: { model: string; temperature: number; response_format: unknown; messages: { role: string; content: string }[] };
}

let server: Server;
let baseUrl: string;
let answer: { status: number; body: unknown };
const seen: Seen[] = [];

const read = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

beforeAll(async () => {
  server = createServer((request, response) => {
    void read(request).then((text) => {
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization, body: JSON.parse(text) });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
});

const chat = (content: string) => ({ status: 200, body: { choices: [{ message: { role: 'assistant', content } }] } });
const textDocument = (text: string): ExtractedDocument => ({
  kind: 'pdf',
  mediaType: 'application/pdf',
  text,
  metadata: { bytes: 1 },
});
const extractor = (options: { apiKey?: string; timeoutMs?: number } = {}) =>
  new ModelInvoiceExtractor({
    url: baseUrl,
    model: 'tiny-invoice',
    timeoutMs: options.timeoutMs ?? 5_000,
    fallback: new RulesInvoiceExtractor(),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });

describe('ModelInvoiceExtractor', () => {
  it('asks for JSON at temperature 0 and reads the answer with per-field confidence', async () => {
    answer = chat(
      '```json\n' +
        JSON.stringify({
          invoiceNumber: 'M-1',
          issueDate: '2026-03-05',
          currency: 'eur',
          supplier: { name: 'Model Maker GmbH', vatId: 'DE123456789' },
          lines: [{ description: 'Thing', quantity: '2', unitPrice: '5.00', amount: '10.00' }],
          subtotal: '10.00',
          tax: '1.90',
          total: '11.90',
          confidence: { invoiceNumber: 0.99, total: 0.6 },
        }) +
        '\n```',
    );
    const invoice = await extractor({ apiKey: 'sk-test' }).extract({
      document: textDocument('Invoice M-1 …'),
      hints: {},
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      url: '/v1/chat/completions',
      authorization: 'Bearer sk-test',
      body: { model: 'tiny-invoice', temperature: 0, response_format: { type: 'json_object' } },
    });
    expect(seen[0]?.body.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(seen[0]?.body.messages[1]?.content).toBe('Invoice M-1 …');
    expect(invoice).toMatchObject({
      method: 'model',
      invoiceNumber: 'M-1',
      currency: 'EUR',
      supplier: { name: 'Model Maker GmbH', vatId: 'DE123456789' },
      confidence: { invoiceNumber: 0.99, total: 0.6, supplier: 0.8 },
    });
    expect(invoice.total?.toFixed(2)).toBe('11.90');
    expect(invoice.lines.map((line) => line.amount.toFixed(2))).toEqual(['10.00']);
  });

  it('leaves structured documents to the rules, without a call', async () => {
    const xml: ExtractedDocument = {
      kind: 'json',
      mediaType: 'application/json',
      text: '{"invoice_number":"J-1","total":5,"currency":"EUR"}',
      metadata: { bytes: 1 },
    };
    const invoice = await extractor().extract({ document: xml, hints: {} });
    expect(seen).toEqual([]);
    expect(invoice).toMatchObject({ method: 'json', invoiceNumber: 'J-1' });
  });

  it('falls back to the rules when the answer is no JSON object, and notes it', async () => {
    answer = chat('Sorry, I cannot read this invoice.');
    const invoice = await extractor().extract({
      document: textDocument('Invoice No. R-5\nTotal: 10.00 EUR'),
      hints: {},
    });
    expect(invoice).toMatchObject({ method: 'text', invoiceNumber: 'R-5' });
    expect(invoice.notes.map((note) => note.code)).toContain('model_answer_invalid');
  });

  it('tells an unavailable model (retry later) from a refusing one (configuration)', async () => {
    answer = { status: 503, body: { error: 'overloaded' } };
    await expect(extractor().extract({ document: textDocument('x'), hints: {} })).rejects.toBeInstanceOf(
      ExtractionModelUnavailable,
    );
    answer = { status: 429, body: { error: 'slow down' } };
    await expect(extractor().extract({ document: textDocument('x'), hints: {} })).rejects.toBeInstanceOf(
      ExtractionModelUnavailable,
    );
    answer = { status: 401, body: { error: 'bad key' } };
    await expect(extractor().extract({ document: textDocument('x'), hints: {} })).rejects.toBeInstanceOf(
      ExtractionModelRejected,
    );
  });

  it('counts a model that does not answer as unavailable', async () => {
    const unreachable = new ModelInvoiceExtractor({
      url: 'http://127.0.0.1:1/v1',
      model: 'm',
      timeoutMs: 2_000,
      fallback: new RulesInvoiceExtractor(),
    });
    await expect(unreachable.extract({ document: textDocument('x'), hints: {} })).rejects.toBeInstanceOf(
      ExtractionModelUnavailable,
    );
  });

  it('finds the JSON object in an answer with or without a fence', () => {
    expect(answerObject('Here you go: {"a": 1} hope it helps')).toEqual({ a: 1 });
    expect(answerObject('```json\n{"a": 2}\n```')).toEqual({ a: 2 });
    expect(answerObject('no json')).toBeUndefined();
  });
});
