import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatCompletionsClassifier, chatCompletionsEndpoint, parseVerdict } from './chat-completions-classifier';
import type { ClassifiableEmail } from './email-classifier';

interface Received {
  url: string;
  authorization: string | undefined;
  body: { model: string; temperature: number; messages: { role: string; content: string }[] };
}

/** A tiny OpenAI-compatible endpoint answering as `answer` says; records what it received. */
async function fakeModel(
  answer: (request: Received, response: ServerResponse) => void,
): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      };
      received.push(entry);
      answer(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const reply = (content: string) => (_request: Received, response: ServerResponse) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
};

const email: ClassifiableEmail = {
  from: { address: 'billing@supplier.example', name: 'Supplier' },
  subject: 'Invoice 7',
  text: 'Please find invoice 7 attached.',
  attachments: [{ filename: 'invoice-7.pdf', mediaType: 'application/pdf', content: Buffer.from('%PDF-secret') }],
  headers: {},
};

describe('ChatCompletionsClassifier', () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (answer: Parameters<typeof fakeModel>[0]) => {
    const server = await fakeModel(answer);
    servers.push(server);
    return server;
  };

  it('asks the endpoint with the model, temperature 0 and the bearer key, and returns its verdict', async () => {
    const model = await start(reply('{"category": "invoice", "confidence": 0.92}'));
    const classifier = new ChatCompletionsClassifier({
      url: model.url,
      model: 'tiny-1',
      apiKey: 'sk-test',
      timeoutMs: 5_000,
    });
    expect(await classifier.classify(email)).toEqual({
      category: 'invoice',
      confidence: 0.92,
      classifier: 'chat-completions/tiny-1',
    });
    const [request] = model.received;
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ model: 'tiny-1', temperature: 0 });
    const user = request?.body.messages.find((message) => message.role === 'user')?.content ?? '';
    expect(user).toContain('Subject: Invoice 7');
    expect(user).toContain('invoice-7.pdf (application/pdf)');
    expect(user).not.toContain('%PDF-secret'); // attachment content never leaves
  });

  it('reads a verdict wrapped in a code fence or prose, and clamps the confidence', async () => {
    const model = await start(reply('Sure!\n```json\n{"category": "Support", "confidence": 1.7}\n```'));
    const classifier = new ChatCompletionsClassifier({
      url: `${model.url}/chat/completions`,
      model: 'm',
      timeoutMs: 5_000,
    });
    expect(await classifier.classify(email)).toMatchObject({ category: 'support', confidence: 1 });
  });

  it('throws MODEL_UNAVAILABLE (retryable) on a 5xx or 429', async () => {
    const model = await start((_request, response) => {
      response.writeHead(503);
      response.end('overloaded');
    });
    const classifier = new ChatCompletionsClassifier({ url: model.url, model: 'm', timeoutMs: 5_000 });
    await expect(classifier.classify(email)).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', retryable: true });
  });

  it('throws MODEL_UNAVAILABLE when the endpoint does not answer in time', async () => {
    const model = await start(() => undefined); // never answers
    const classifier = new ChatCompletionsClassifier({ url: model.url, model: 'm', timeoutMs: 200 });
    await expect(classifier.classify(email)).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
  });

  it('throws MODEL_ANSWER_INVALID for a category it does not know, or a refused request', async () => {
    const unknown = await start(reply('{"category": "newsletter", "confidence": 0.8}'));
    await expect(
      new ChatCompletionsClassifier({ url: unknown.url, model: 'm', timeoutMs: 5_000 }).classify(email),
    ).rejects.toMatchObject({ code: 'MODEL_ANSWER_INVALID', retryable: false });
    const refused = await start((_request, response) => {
      response.writeHead(401);
      response.end('{"error": "invalid api key"}');
    });
    await expect(
      new ChatCompletionsClassifier({ url: refused.url, model: 'm', timeoutMs: 5_000 }).classify(email),
    ).rejects.toThrow(/refused the request with 401/);
  });

  it('throws MODEL_UNAVAILABLE when nothing listens at the URL', async () => {
    const model = await start(reply('{}'));
    await model.close();
    const classifier = new ChatCompletionsClassifier({ url: model.url, model: 'm', timeoutMs: 5_000 });
    await expect(classifier.classify(email)).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
  });
});

describe('chat-completions helpers', () => {
  it('adds /chat/completions to a base URL, once', () => {
    expect(chatCompletionsEndpoint('http://llm:4000/v1')).toBe('http://llm:4000/v1/chat/completions');
    expect(chatCompletionsEndpoint('http://llm:4000/v1/')).toBe('http://llm:4000/v1/chat/completions');
    expect(chatCompletionsEndpoint('http://llm:4000/v1/chat/completions')).toBe('http://llm:4000/v1/chat/completions');
  });

  it('takes 0.5 as the confidence of a verdict that gives none', () => {
    expect(parseVerdict('{"category": "order"}')).toEqual({ category: 'order', confidence: 0.5 });
  });
});
