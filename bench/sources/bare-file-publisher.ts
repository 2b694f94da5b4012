/**
 * The file bench's baseline: a folder watcher written the obvious way, doing the work the
 * file-watcher's core does and nothing else. chokidar with `awaitWriteFinish` at the same
 * stability window → read the file → sha256 → a kafkajs producer (idempotent, acks=all, as
 * the runtime's) that sends what has queued up in one request at a time, up to 500 messages.
 * No dedupe store, no claim-check copy, no media type, no schema, no metrics.
 *
 * With COPY_DIR set (the `bareWithCopy` subject, a diagnostic), each file is first copied
 * there as the file-watcher's claim-check folder store does: written with flush (fsync) to a
 * temporary name, then renamed to its hash; that isolates what the durable copy costs.
 *
 * Environment: COPY_DIR (optional), WATCH_DIR, STABILITY_MS, TOPIC, KAFKA_BROKERS, PORT (GET /readyz answers 200
 * once chokidar's first scan is done and the producer is connected). SIGTERM stops it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import { Kafka, logLevel, type Message } from 'kafkajs';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
};
const dir = env('WATCH_DIR');
const topic = env('TOPIC');
const stabilityMs = Number(env('STABILITY_MS'));
const copyDir = process.env['COPY_DIR'];
let copies = 0;

const kafka = new Kafka({
  clientId: 'bench-bare-file-publisher',
  brokers: env('KAFKA_BROKERS').split(','),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
const queue: Message[] = [];
let sending = false;
let ready = false;

function flush(): void {
  if (sending || queue.length === 0) return;
  sending = true;
  const messages = queue.splice(0, 500);
  producer
    .send({ topic, acks: -1, messages })
    .then(
      () => undefined,
      (error: unknown) => console.error(`send failed: ${(error as Error).message}`),
    )
    .finally(() => {
      sending = false;
      flush();
    });
}

async function publish(path: string): Promise<void> {
  const content = await readFile(path);
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (copyDir !== undefined) {
    const temporary = join(copyDir, `${copies++}.part`);
    await writeFile(temporary, content, { flag: 'wx', flush: true });
    await rename(temporary, join(copyDir, sha256));
  }
  queue.push({ key: sha256, value: JSON.stringify({ path: basename(path), size: content.length, sha256 }) });
  flush();
}

async function main(): Promise<void> {
  if (copyDir !== undefined) await mkdir(copyDir, { recursive: true });
  await producer.connect();
  const watcher = watch(dir, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: 100 },
  });
  watcher.on('add', (path) => {
    publish(path).catch((error: unknown) => console.error(`${path}: ${(error as Error).message}`));
  });
  watcher.on('ready', () => {
    ready = true;
  });
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/readyz' && ready ? 200 : 503;
    response.end();
  }).listen(Number(env('PORT')), '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close();
    void watcher.close().then(async () => {
      await producer.disconnect();
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
