/**
 * Classification by a language model behind an OpenAI-compatible chat-completions endpoint
 * (OpenAI, Azure OpenAI, vLLM, llama.cpp server, Ollama, LiteLLM): `POST <url>` with the
 * email in a user message, temperature 0, and a JSON answer
 * `{"category": "...", "confidence": 0..1}` asked for in the system message and, where the
 * server supports it, by `response_format: json_object`.
 *
 * Network failures, timeouts, 429 and 5xx are ModelUnavailable (retryable); an answer that
 * is not such a verdict is ModelAnswerInvalid. Only the start of the body goes out, and no
 * attachment content: names and types only.
 */
import { ModelAnswerInvalid, ModelUnavailable } from '../email-errors';
import {
  EMAIL_CATEGORIES,
  isEmailCategory,
  type ClassifiableEmail,
  type Classification,
  type EmailClassifier,
} from './email-classifier';

export interface ChatCompletionsOptions {
  /** The endpoint: `…/v1/chat/completions`, or a base URL ending in `/v1`, to which `/chat/completions` is added. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** Characters of the body sent (default 4000). */
  maxBodyCharacters?: number;
}

const SYSTEM_PROMPT = [
  'You sort a company inbox. Classify the email into exactly one category:',
  '- invoice: a bill, invoice, credit note or payment request sent to us;',
  '- support: a customer asks for help, reports a problem, complains, or asks about their account or an invoice;',
  '- order: someone places, changes, cancels or confirms an order, or asks for a quote to order;',
  '- spam: unsolicited bulk mail, advertising, scams, phishing, malware;',
  '- other: anything else (internal mail, meetings, notifications, personal).',
  `Answer only with JSON: {"category": one of ${EMAIL_CATEGORIES.map((category) => `"${category}"`).join(', ')}, "confidence": a number from 0 to 1}.`,
].join('\n');

export function chatCompletionsEndpoint(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/chat/completions') ? trimmed : `${trimmed}/chat/completions`;
}

export class ChatCompletionsClassifier implements EmailClassifier {
  private readonly endpoint: string;

  constructor(private readonly options: ChatCompletionsOptions) {
    this.endpoint = chatCompletionsEndpoint(options.url);
  }

  async classify(email: ClassifiableEmail): Promise<Classification> {
    const content = await this.ask(email);
    const verdict = parseVerdict(content);
    return { ...verdict, classifier: `chat-completions/${this.options.model}` };
  }

  private async ask(email: ClassifiableEmail): Promise<string> {
    const attachments = email.attachments.map(
      (attachment) => `${attachment.filename ?? '(unnamed)'} (${attachment.mediaType})`,
    );
    const user = [
      `From: ${email.from.name === undefined ? '' : `${email.from.name} `}<${email.from.address}>`,
      `Subject: ${email.subject}`,
      `Attachments: ${attachments.length === 0 ? 'none' : attachments.join(', ')}`,
      '',
      email.text.slice(0, this.options.maxBodyCharacters ?? 4_000),
    ].join('\n');
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey === undefined ? {} : { authorization: `Bearer ${this.options.apiKey}` }),
        },
        body: JSON.stringify({
          model: this.options.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: user },
          ],
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new ModelUnavailable(`the model at ${this.endpoint} did not answer: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const body = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      throw new ModelUnavailable(`the model at ${this.endpoint} answered ${response.status}: ${body.slice(0, 200)}`);
    }
    if (!response.ok) {
      throw new ModelAnswerInvalid(
        `the model at ${this.endpoint} refused the request with ${response.status}: ${body.slice(0, 200)}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ModelAnswerInvalid(`the model at ${this.endpoint} answered with something that is not JSON`);
    }
    const content = (parsed as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
    if (typeof content !== 'string') {
      throw new ModelAnswerInvalid('the model answer has no choices[0].message.content text');
    }
    return content;
  }
}

/** `{"category", "confidence"}` from the model's message, tolerating a code fence or words around the JSON. */
export function parseVerdict(content: string): { category: Classification['category']; confidence: number } {
  const json = /\{[\s\S]*\}/.exec(content)?.[0];
  let verdict: unknown;
  try {
    verdict = json === undefined ? undefined : JSON.parse(json);
  } catch {
    verdict = undefined;
  }
  const record = typeof verdict === 'object' && verdict !== null ? (verdict as Record<string, unknown>) : {};
  const category = typeof record['category'] === 'string' ? record['category'].trim().toLowerCase() : undefined;
  if (!isEmailCategory(category)) {
    throw new ModelAnswerInvalid(
      `the model did not name a category (${EMAIL_CATEGORIES.join(', ')}): "${content.slice(0, 200)}"`,
    );
  }
  const raw = record['confidence'];
  const confidence = typeof raw === 'number' && Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0.5;
  return { category, confidence };
}
