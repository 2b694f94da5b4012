/**
 * A real consumer process for the crash tests (run with tsx). It reads INPUT and, per
 * event, forwards a derived event to OUTPUT in a Kafka transaction (MODE=transactional) or
 * without one (MODE=plain), or records it in PostgreSQL through the inbox (MODE=inbox). CRASH_AFTER=n kills the
 * process with SIGKILL right after the n-th effect, before its offset is committed; an
 * event whose payload has `poison: true` kills it on every delivery. Each output names the
 * process and the input partition (`metadata.pid`, `metadata.partition`), so a test can tell
 * which member of the group handled what. SESSION_TIMEOUT_MS overrides the consumer's default.
 */
import { Pool } from 'pg';
import { createEvent, derivedEventId, FlowlineEvent } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { MessagingClient } from '../messaging-client';
import { PostgresInbox } from '../postgres-inbox';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const mode = env('MODE');
const crashAfter = Number(process.env['CRASH_AFTER'] ?? 0);
const handleDelayMs = Number(process.env['HANDLE_DELAY_MS'] ?? 0);
const sessionTimeoutMs = process.env['SESSION_TIMEOUT_MS'];
const logger = createLogger({ service: 'consumer-fixture', level: 'warn' });
const messaging = new MessagingClient({
  brokers: env('KAFKA_BROKERS').split(','),
  clientId: 'consumer-fixture',
  logger,
});
const publisher = messaging.createPublisher();
const pool = mode === 'inbox' ? new Pool({ connectionString: env('DATABASE_URL'), max: 2 }) : undefined;
const inbox = pool === undefined ? undefined : new PostgresInbox(pool, env('GROUP'));
let effects = 0;

function isPoison(event: FlowlineEvent): boolean {
  const payload = event.type === 'webhook.received' && !Buffer.isBuffer(event.data) ? event.data.payload : undefined;
  return typeof payload === 'object' && payload !== null && (payload as { poison?: unknown }).poison === true;
}

const consumer = messaging.createConsumer({
  groupId: env('GROUP'),
  topics: [env('INPUT')],
  publisher,
  transactional: mode === 'transactional',
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
  // Unset: the consumers' default, which is what the recovery tests measure.
  ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: Number(sessionTimeoutMs) }),
  async handle(event, context) {
    if (isPoison(event)) process.kill(process.pid, 'SIGKILL');
    if (handleDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, handleDelayMs));
    if (inbox !== undefined) {
      await inbox.runOnce(event.id, async (client) => {
        await client.query(`INSERT INTO ${env('EFFECTS_TABLE')} (event_id) VALUES ($1)`, [event.id]);
      });
    } else {
      context.publish(
        env('OUTPUT'),
        createEvent(
          'document.processed',
          { kind: 'test', text: event.id, metadata: { pid: process.pid, partition: context.partition } },
          { source: '/consumer-fixture', causedBy: event, id: derivedEventId(event.id, 'document.processed') },
        ),
      );
    }
    effects += 1;
    if (effects === crashAfter) process.kill(process.pid, 'SIGKILL');
  },
});

async function main(): Promise<void> {
  await inbox?.ensureSchema();
  await publisher.start();
  await consumer.start();
  process.stdout.write('consumer-fixture: running\n');
}

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await consumer.stop();
    await publisher.stop();
    await pool?.end();
    process.stdout.write(`consumer-fixture: stopped after ${effects} effects\n`);
    process.exit(0);
  })();
});

main().catch((error: unknown) => {
  process.stderr.write(`consumer-fixture: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
