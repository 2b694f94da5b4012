/**
 * Invoice agent throughput against parsing alone: documents per second the invoice agent
 * processes, as deployed (`node apps/invoice-agent/dist/main.js`: Kafka in, claim-check
 * fetch, PDF text, extraction, validation, decision, the PostgreSQL inbox transaction,
 * `invoice.processed` out, offsets committed), next to a bare loop that only extracts the
 * same PDFs' text with the same library (unpdf: open, `extractText`, close). Target: the
 * agent ≥ 0.8 × the bare loop, i.e. the rest of the agent is cheap next to parsing.
 *
 * - Input: the seven PDF fixtures (apps/invoice-agent/fixtures), stored once by claim check in
 *   a folder, and `--events` `invoice.received` events cycling over them on a 3-partition
 *   `agent.invoice` of the run's own prefix, written before the agent starts. After the first
 *   round every invoice is a duplicate of one already decided (same supplier and number): the
 *   register's conflict path runs, and the full extraction still does.
 * - The agent's clock runs from the first poll that sees a committed offset to the poll that
 *   sees the whole input committed (start-up, joining the group and the first batch excluded);
 *   docs/s = (input − first commit) / that time. Its CPU time over the window, per document,
 *   is printed too.
 * - The bare loop runs in this process on the same documents in the same order.
 * - Variants alternate (bare, agent, bare, agent, …) `--repeat` times; figures are medians and
 *   the ratio is the median of the per-repetition ratios.
 *
 *   npm run bench:agents                       # builds the agent, then runs (about a minute)
 *   npm run bench:agents -- --events 420 --repeat 5
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { extractText, getDocumentProxy } from 'unpdf';
import { FolderClaimStore } from '@flowline/claim-check';
import { createEvent, encodeEvent, topicNames } from '@flowline/event-schemas';
import { createScratchDatabase } from '@flowline/testing';
import {
  cpuSeconds,
  findBrokerPid,
  killAll,
  machineBusySeconds,
  REPO_ROOT,
  spawnService,
  waitUntilReady,
} from '../ingress/child-process';
import { BenchKafka, quietKafkajsNoise } from '../messaging/bench-kafka';
import { median } from '../messaging/percentiles';
import { target } from '../messaging/target';
import { readFlags } from '../shared/bench-flags';

const TARGET_RATIO = 0.8;
const FIXTURES = join(REPO_ROOT, 'apps', 'invoice-agent', 'fixtures');
const PDFS = [
  'de-consulting.pdf',
  'us-services.pdf',
  'fr-atelier.pdf',
  'nl-installatie.pdf',
  'ch-software.pdf',
  'uk-stationery.pdf',
  'jp-tea.pdf',
];

const flags = readFlags(
  {
    events: { help: 'invoice.received events per agent run (cycling over the 7 PDFs)', default: '280' },
    repeat: { help: 'repetitions of (bare loop, agent)', default: '3' },
    seconds: { help: 'deadline of one agent run', default: '180' },
  },
  process.argv.slice(2),
  process.env,
  { command: 'npm run bench:agents --' },
);

interface Document {
  name: string;
  bytes: Buffer;
  reference: string;
  sha256: string;
}

interface BareRun {
  docsPerSecond: number;
  cpuMillisPerDoc: number;
}

/** Documents per second of the bare loop: open, extract text, close; nothing else. */
async function bareLoop(documents: readonly Document[], count: number): Promise<BareRun> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    const document = documents[index % documents.length] as Document;
    const pdf = await getDocumentProxy(new Uint8Array(document.bytes));
    await extractText(pdf, { mergePages: true });
    await pdf.loadingTask.destroy();
  }
  const used = process.cpuUsage(cpu);
  return {
    docsPerSecond: count / ((performance.now() - started) / 1000),
    cpuMillisPerDoc: (used.user + used.system) / 1000 / count,
  };
}

interface AgentRun {
  docsPerSecond: number;
  /** The agent process's CPU time per document. */
  cpuMillisPerDoc: number;
  /** The broker's (Kafka's JVM) CPU time per document. */
  brokerCpuMillisPerDoc: number;
  /** The whole machine's busy time per document: the agent, PostgreSQL, Kafka and this bench. */
  machineCpuMillisPerDoc: number;
}

async function agentRun(
  kafka: BenchKafka,
  documents: readonly Document[],
  count: number,
  env: Record<string, string>,
  run: number,
  logDir: string,
): Promise<AgentRun> {
  const prefix = kafka.name(`r${run}.`);
  const topics = topicNames(prefix);
  const input = topics.agent('invoice');
  await kafka.createTopics([input, topics.domainEvents], 3);
  const producer = kafka.kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  const events = Array.from({ length: count }, (_, index) => {
    const document = documents[index % documents.length] as Document;
    return encodeEvent(
      createEvent(
        'invoice.received',
        {
          document: {
            location: document.reference,
            name: document.name,
            mediaType: 'application/pdf',
            size: document.bytes.length,
            sha256: document.sha256,
          },
          receivedVia: 'file',
        },
        { source: '/bench/file-watcher' },
      ),
    );
  });
  for (let start = 0; start < events.length; start += 100) {
    await producer.send({ topic: input, acks: -1, messages: events.slice(start, start + 100) });
  }
  await producer.disconnect();

  const agent = await spawnService(
    'invoice-agent',
    { ...env, FLOWLINE_TOPIC_PREFIX: prefix },
    logDir,
    `invoice-agent-${run}`,
  );
  try {
    await waitUntilReady(agent);
    const group = `${prefix}invoice-agent`;
    const deadline = Date.now() + flags.positive('seconds') * 1000;
    const broker = findBrokerPid();
    let first: { committed: number; at: number; cpu: number; broker: number; machine: number } | undefined;
    for (;;) {
      if (!agent.running()) throw new Error(`the agent exited; see ${agent.logFile}`);
      if (Date.now() > deadline) throw new Error(`the agent did not finish within --seconds; see ${agent.logFile}`);
      const committed = await kafka.committedTotal(group, input);
      const now = performance.now();
      if (committed > 0 && first === undefined) {
        first = {
          committed,
          at: now,
          cpu: cpuSeconds(agent.pid),
          broker: cpuSeconds(broker),
          machine: machineBusySeconds(),
        };
      }
      if (first !== undefined && committed >= count) {
        const seconds = (now - first.at) / 1000;
        const documentsInWindow = count - first.committed;
        return {
          docsPerSecond: documentsInWindow / seconds,
          cpuMillisPerDoc: ((cpuSeconds(agent.pid) - first.cpu) * 1000) / documentsInWindow,
          brokerCpuMillisPerDoc: ((cpuSeconds(broker) - first.broker) * 1000) / documentsInWindow,
          machineCpuMillisPerDoc: ((machineBusySeconds() - first.machine) * 1000) / documentsInWindow,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await agent.stop();
  }
}

async function main(): Promise<void> {
  quietKafkajsNoise();
  const count = flags.positive('events');
  const repeat = flags.positive('repeat');
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:55432/flowline';
  const workDir = await mkdtemp(join(tmpdir(), 'bench-invoice-'));
  const claims = new FolderClaimStore(join(workDir, 'claims'));
  await claims.start();
  const documents: Document[] = [];
  for (const name of PDFS) {
    const bytes = await readFile(join(FIXTURES, name));
    const stored = await claims.put(Readable.from([bytes]));
    documents.push({ name, bytes, reference: stored.reference, sha256: stored.sha256 });
  }
  const database = await createScratchDatabase(serverUrl, 'bench_invoice');
  const kafka = new BenchKafka(brokers, new Date());
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: database.url,
    CLAIM_CHECK_DIR: join(workDir, 'claims'),
    INVOICE_AUTO_APPROVE_LIMIT: '5000 EUR, 5000 USD, 5000 GBP, 10000 CHF, 1000000 JPY',
    LOG_LEVEL: 'warn',
    ...(process.env['BENCH_AGENT_NODE_OPTIONS'] === undefined
      ? {}
      : { NODE_OPTIONS: process.env['BENCH_AGENT_NODE_OPTIONS'] }),
  };
  const bare: BareRun[] = [];
  const agent: AgentRun[] = [];
  const ratios: number[] = [];
  try {
    // Warm the bare loop's PDF.js (module load, JIT) so its first repetition is not penalised.
    await bareLoop(documents, documents.length * 2);
    for (let run = 1; run <= repeat; run += 1) {
      const bareRun = await bareLoop(documents, count);
      const agentResult = await agentRun(kafka, documents, count, env, run, workDir);
      bare.push(bareRun);
      agent.push(agentResult);
      ratios.push(agentResult.docsPerSecond / bareRun.docsPerSecond);
      process.stderr.write(
        `run ${run}/${repeat}: bare ${bareRun.docsPerSecond.toFixed(1)} docs/s, agent ${agentResult.docsPerSecond.toFixed(1)} docs/s (${agentResult.cpuMillisPerDoc.toFixed(1)} ms agent CPU/doc)\n`,
      );
    }
  } finally {
    await kafka.cleanUp().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
  const ratio = median(ratios);
  const result = {
    bench: 'agents/invoice-extract',
    events: count,
    repeat,
    bareDocsPerSecond: median(bare.map((run) => run.docsPerSecond)),
    bareCpuMillisPerDoc: median(bare.map((run) => run.cpuMillisPerDoc)),
    agentDocsPerSecond: median(agent.map((run) => run.docsPerSecond)),
    agentCpuMillisPerDoc: median(agent.map((run) => run.cpuMillisPerDoc)),
    brokerCpuMillisPerDoc: median(agent.map((run) => run.brokerCpuMillisPerDoc)),
    machineCpuMillisPerDoc: median(agent.map((run) => run.machineCpuMillisPerDoc)),
    ratio,
    target: target(`invoice agent docs/s ≥ ${TARGET_RATIO} × bare unpdf text extraction`, ratio, '>=', TARGET_RATIO),
  };
  process.stdout.write(
    [
      '| figure | value |',
      '|---|---|',
      `| bare loop (unpdf extractText), docs/s | ${result.bareDocsPerSecond.toFixed(1)} |`,
      `| invoice agent end to end, docs/s | ${result.agentDocsPerSecond.toFixed(1)} |`,
      `| bare loop CPU per document, ms | ${result.bareCpuMillisPerDoc.toFixed(1)} |`,
      `| agent process CPU per document, ms | ${result.agentCpuMillisPerDoc.toFixed(1)} |`,
      `| Kafka broker CPU per document, ms | ${result.brokerCpuMillisPerDoc.toFixed(1)} |`,
      `| whole machine CPU per document (agent, PostgreSQL, Kafka, bench), ms | ${result.machineCpuMillisPerDoc.toFixed(1)} |`,
      `| ratio (target ≥ ${TARGET_RATIO}) | ${ratio.toFixed(2)} ${result.target.met ? 'met' : 'NOT met'} |`,
      '',
      JSON.stringify(result),
      '',
    ].join('\n'),
  );
  const output = join(REPO_ROOT, 'bench', 'agents', 'results', 'latest.json');
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  killAll();
  console.error(error);
  process.exitCode = 1;
});
