/**
 * The gateway bench's baselines, a process of their own: a webhook endpoint written the
 * obvious way with express.
 *
 * - BENCH_MODE=kafka: read the raw body, verify the Standard-Webhooks signature with the
 *   `standardwebhooks` library, then await one kafkajs `send` (idempotent, acks=all) of the
 *   body per request, and answer 202 — or 401 / 503.
 * - BENCH_MODE=bare: read the body and answer 202, no check and no Kafka: the ceiling of an
 *   express endpoint on this machine.
 *
 * Environment: PORT, BENCH_MODE, and for kafka mode KAFKA_BROKERS, BENCH_TOPIC and
 * BENCH_WEBHOOK_SECRET (`whsec_…`). `GET /readyz` answers 200 once the producer is connected.
 */
import express from 'express';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';

const mode = process.env['BENCH_MODE'] === 'bare' ? 'bare' : 'kafka';
const port = Number(process.env['PORT'] ?? '0');

async function main(): Promise<void> {
  let producer: Producer | undefined;
  const app = express();
  app.get('/readyz', (_req, res) => {
    res.status(200).json({ ready: true });
  });

  if (mode === 'bare') {
    app.post('/webhooks/:source', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
      res.status(202).json({ accepted: true });
    });
  } else {
    const topic = process.env['BENCH_TOPIC'] ?? '';
    const webhook = new Webhook(process.env['BENCH_WEBHOOK_SECRET'] ?? '');
    const kafka = new Kafka({
      clientId: 'bench-webhook-baseline',
      brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      logLevel: logLevel.WARN,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    const connected = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await connected.connect();
    producer = connected;
    app.post('/webhooks/:source', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
      const body = req.body as Buffer;
      try {
        webhook.verify(body, req.headers as Record<string, string>);
      } catch {
        res.status(401).json({ error: 'SIGNATURE_INVALID' });
        return;
      }
      try {
        await connected.send({
          topic,
          acks: -1,
          messages: [{ key: String(req.headers['webhook-id']), value: body }],
        });
      } catch {
        res.status(503).json({ error: 'PUBLISH_FAILED' });
        return;
      }
      res.status(202).json({ id: req.headers['webhook-id'] });
    });
  }

  const server = app.listen(port, '127.0.0.1');
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void (producer?.disconnect() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
