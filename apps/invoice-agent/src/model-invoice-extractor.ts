/**
 * An extractor backed by a language model behind an OpenAI-compatible chat-completions
 * endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp's server, LiteLLM …), configured by
 * URL, model name and key. It asks for one JSON object in a fixed shape and reads the answer
 * with the same normaliser as JSON invoices, so the rest of the agent (validation, decision)
 * is the same whichever extractor ran.
 *
 * - UBL XML and JSON documents go to the rules (their structure is exact; a model adds only risk).
 * - No answer (network, timeout, 429, 5xx): ExtractionModelUnavailable, retryable: the
 *   consumer retries with backoff, then dead-letters for a redrive.
 * - Refused (400, 401, 403, 404): ExtractionModelRejected, not retryable (configuration).
 * - An answer that is no JSON object: the rules extract instead, and a note says so.
 */
import { type ExtractedInvoice, type InvoiceDocument, type InvoiceExtractor } from './extracted-invoice';
import { ExtractionModelRejected, ExtractionModelUnavailable } from './invoice-errors';
import { invoiceFromObject } from './json-invoice-extractor';
import { withAssumedCurrency } from './rules-invoice-extractor';

export interface ModelExtractorOptions {
  /** Base URL (`http://llm:8000/v1`) or the full `/chat/completions` URL. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** Text sent at most (characters): bounds tokens and cost for long documents. */
  maxTextChars?: number;
  /** Structured documents, and answers that are no JSON, go here. */
  fallback: InvoiceExtractor;
  fetch?: typeof fetch;
}

export const INVOICE_PROMPT = `You extract data from one invoice. Answer with one JSON object and nothing else:
{"invoiceNumber": string, "issueDate": "YYYY-MM-DD", "dueDate": "YYYY-MM-DD",
 "currency": ISO 4217 code,
 "supplier": {"name": string, "vatId": string, "taxId": string, "iban": string, "address": string},
 "customer": {"name": string, "vatId": string},
 "lines": [{"description": string, "quantity": "decimal", "unitPrice": "decimal", "amount": "decimal", "taxRatePercent": "decimal"}],
 "subtotal": "decimal", "tax": "decimal", "total": "decimal", "paymentReference": string,
 "confidence": {"invoiceNumber": 0..1, "issueDate": 0..1, "dueDate": 0..1, "supplier": 0..1, "currency": 0..1, "lines": 0..1, "net": 0..1, "tax": 0..1, "total": 0..1}}
Rules: decimals as strings with a point and no thousands separators ("1234.56"); negative amounts for credit notes;
the supplier is who issued the invoice, never the customer; use null for anything not on the document; never guess.`;

function endpoint(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/chat/completions') ? base : `${base}/chat/completions`;
}

/** The JSON object in a model's answer, with or without a ```json fence. */
export function answerObject(content: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(content)?.[1] ?? content;
  const start = fenced.indexOf('{');
  const end = fenced.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(fenced.slice(start, end + 1)) as unknown;
  } catch {
    return undefined;
  }
}

export class ModelInvoiceExtractor implements InvoiceExtractor {
  readonly name: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ModelExtractorOptions) {
    this.name = `model:${options.model}`;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async extract(input: InvoiceDocument): Promise<ExtractedInvoice> {
    const { document } = input;
    if (document.kind === 'xml' || document.kind === 'json' || document.text.trim() === '') {
      return this.options.fallback.extract(input);
    }
    const content = await this.ask(document.text.slice(0, this.options.maxTextChars ?? 30_000));
    const answer = answerObject(content);
    if (answer === undefined || typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      const invoice = await this.options.fallback.extract(input);
      invoice.notes.push({
        code: 'model_answer_invalid',
        message: `the model ${this.options.model} gave no JSON object; the rules extracted instead`,
      });
      return invoice;
    }
    const invoice = invoiceFromObject(answer, { method: 'model', confidence: 0.8 });
    return withAssumedCurrency(invoice, input.hints.defaultCurrency);
  }

  private async ask(text: string): Promise<string> {
    const { model, apiKey, timeoutMs } = this.options;
    let response: Response;
    try {
      response = await this.fetch(endpoint(this.options.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
        },
        body: JSON.stringify({
          model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: INVOICE_PROMPT },
            { role: 'user', content: text },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ExtractionModelUnavailable(
        `the extraction model did not answer: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      const message = `the extraction model answered ${response.status}${detail === '' ? '' : `: ${detail}`}`;
      if (response.status === 429 || response.status >= 500 || response.status === 408) {
        throw new ExtractionModelUnavailable(message);
      }
      throw new ExtractionModelRejected(message);
    }
    const body = (await response.json().catch(() => undefined)) as
      { choices?: { message?: { content?: unknown } }[] } | undefined;
    const content = body?.choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : '';
  }
}
