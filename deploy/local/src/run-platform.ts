/**
 * `npm start`: the whole platform on this machine. Brings up the local infrastructure,
 * builds every app, starts each service as its own process (logs under
 * .flowline/logs/services/), sends one sample webhook, ends its output with `flowline
 * trace` of the chain of events it caused (read from the event store), and keeps running
 * until Ctrl-C, which drains every service (SIGTERM) before exiting. The infrastructure keeps running for the next start: `npm run infra:down`.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Webhook } from 'standardwebhooks';
import { flowlineDir, repoRoot } from './infra-layout';
import { infraUp, InfraSettings } from './index';
import {
  correlationIdOf,
  dropSampleInvoice,
  insertSampleOrder,
  prepareSampleTable,
  readModelDocument,
  SAMPLE_TABLE,
} from './sample-flows';

/** Every service with the port it listens on locally (their config defaults). */
const SERVICES = [
  ['webhook-gateway', 8080],
  ['file-watcher', 8081],
  ['cdc-listener', 8082],
  ['router', 8083],
  ['invoice-agent', 8084],
  ['email-agent', 8085],
  ['document-agent', 8086],
  ['sync-agent', 8087],
  ['notifier', 8088],
  ['event-archiver', 8089],
] as const;

interface RunningService {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const say = (line: string): void => console.log(`[flowline] ${line}`);

async function main(): Promise<void> {
  say('starting the local infrastructure (first run fetches Kafka and the Mongo stand-in with Maven)');
  const settings = await infraUp({ log: (line) => say(`  ${line}`) });
  // The cdc-listener's publication names its tables: the sample table exists before it starts.
  await prepareSampleTable(settings.DATABASE_URL);

  say('building every app (nx run-many -t build)');
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  if (build.status !== 0) throw new Error('the build failed (run `npx nx run-many -t build` to see why)');

  const logDir = join(flowlineDir, 'logs', 'services');
  mkdirSync(logDir, { recursive: true });
  const services = SERVICES.map(([name, port]) => startService(name, port, settings, logDir));
  let stopping = false;
  let failed = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping every service (SIGTERM: they finish in-flight work and commit)');
    for (const service of services) service.child.kill('SIGTERM');
    const codes = await Promise.all(services.map((service) => service.exited));
    services.forEach((service, i) => say(`  ${service.name}: exited ${String(codes[i])}`));
    say('stopped. The infrastructure is still running for the next start; `npm run infra:down` stops it.');
    process.exit(!failed && codes.every((code) => code === 0) ? 0 : 1);
  };
  // Ctrl-C reaches the whole foreground process group (npm, tsx, this process and the
  // services) and tsx relays it once more: every signal must find a handler here, or the
  // second one would kill this launcher before the services have drained.
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());
  for (const service of services) {
    void service.exited.then((code) => {
      if (!stopping)
        say(`${service.name} exited unexpectedly (${String(code)}); see ${join(logDir, `${service.name}.log`)}`);
    });
  }

  try {
    await Promise.all(services.map((service) => waitUntilReady(service)));
    say(`all ${services.length} services ready (logs: ${logDir})`);
    say(
      'Ctrl-C stops every service. Try: curl -X POST localhost:8080/webhooks/sample -H "content-type: application/json" -d \'{"hello":"world"}\'',
    );
    say('and follow what it caused: npx flowline trace <the id it answers>');
    say('sample flow: a JSON webhook, read by the document agent');
    const correlationId = await sendSampleWebhook();
    await printSampleTrace(correlationId, settings, 'document.processed');
    say('sample flow: an inbound email with a PDF invoice attached (signed, Standard Webhooks)');
    const mailId = await sendSampleInvoiceMail();
    await printSampleTrace(mailId, settings, 'invoice.processed');
    say('sample flow: a PDF invoice dropped into the watched folder (.flowline/inbox)');
    const file = await dropSampleInvoice(join(flowlineDir, 'inbox'));
    const fileId = await correlationIdOf(settings.DATABASE_URL, { type: 'file.uploaded', subject: file });
    await printSampleTrace(fileId, settings, 'invoice.processed');
    say(
      `sample flow: a row inserted into the watched table ${SAMPLE_TABLE} (CDC → the sync agent's MongoDB read model)`,
    );
    const order = await insertSampleOrder(settings.DATABASE_URL);
    const orderId = await correlationIdOf(settings.DATABASE_URL, {
      type: 'data.changed',
      subject: `public.${SAMPLE_TABLE}`,
      key: order,
    });
    await printSampleTrace(orderId, settings, 'sync.completed');
    say(
      `the read model (MongoDB flowline_read_model, collection public.${SAMPLE_TABLE}): ${JSON.stringify(await readModelDocument(settings.MONGODB_URL, order))}`,
    );
    say('outbound webhooks: npx flowline subscriptions add <url> --type "invoice.*" (see apps/flowline-cli/README.md)');
  } catch (error) {
    say(`start failed: ${(error as Error).message}`);
    failed = true;
    await stopAll();
    return;
  }
}

/**
 * Settings of a service beyond the infrastructure's: the file-watcher watches
 * .flowline/inbox (drop a .pdf, .docx or .txt there) and copies what it publishes to
 * .flowline/claim-checks.
 */
function ownSettings(name: string): Record<string, string> {
  // One claim-check folder for the services that store documents and those that read them.
  const claimChecks = { CLAIM_CHECK_DIR: join(flowlineDir, 'claim-checks') };
  switch (name) {
    case 'file-watcher': {
      const inbox = join(flowlineDir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      return { FILE_WATCH_DIR: inbox, ...claimChecks };
    }
    case 'cdc-listener':
      return { CDC_TABLES: `public.${SAMPLE_TABLE}` };
    case 'webhook-gateway':
      return { FLOWLINE_CONFIG_FILE: gatewaySources(), MAIL_WEBHOOK_SECRET: MAIL_SECRET };
    case 'email-agent':
    case 'invoice-agent':
    case 'document-agent':
      return claimChecks;
    default:
      return {};
  }
}

/** The inbound-mail source's Standard Webhooks secret: new on every start, known only to this launcher. */
const MAIL_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/**
 * The gateway's sources for the local platform: `sample` (unsigned JSON, to try with curl)
 * and `inbound-mail` (raw MIME or a mail provider's form post, signed with Standard Webhooks).
 */
function gatewaySources(): string {
  const file = join(flowlineDir, 'gateway-sources.yaml');
  writeFileSync(
    file,
    [
      '# Written by `npm start` (deploy/local/src/run-platform.ts) on every start.',
      'sources:',
      '  - name: sample',
      '    scheme: none',
      '    allowUnsigned: true',
      '  - name: inbound-mail',
      '    kind: email',
      '    scheme: standard-webhooks',
      '    secrets: [{ env: MAIL_WEBHOOK_SECRET }]',
      '',
    ].join('\n'),
  );
  return file;
}

function startService(name: string, port: number, settings: InfraSettings, logDir: string): RunningService {
  // The service writes straight to its log file (not through a pipe to this process), so
  // its logging never depends on this launcher being alive.
  const logFd = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(repoRoot, 'apps', name, 'dist', 'main.js')], {
    cwd: repoRoot,
    env: { ...process.env, ...settings, ...ownSettings(name), PORT: String(port) },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, port, child, exited };
}

async function waitUntilReady(service: RunningService): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${service.name} exited (${String(exitCode)}) before it was ready`);
    try {
      if ((await fetch(`http://127.0.0.1:${service.port}/readyz`)).status === 200) {
        say(`  ${service.name} ready on :${service.port}`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} not ready within 60 s`);
}

async function sendSampleWebhook(): Promise<string> {
  const response = await fetch('http://127.0.0.1:8080/webhooks/sample', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': `sample-${Date.now()}` },
    body: JSON.stringify({ kind: 'invoice', number: 'INV-2026-001', total_cents: 129900, currency: 'EUR' }),
  });
  const body = (await response.json()) as { id?: string; error?: string };
  if (response.status !== 202 || body.id === undefined) {
    throw new Error(`the sample webhook was refused: ${response.status} ${body.error ?? ''}`);
  }
  say(`sample webhook accepted: 202 {"id":"${body.id}"}`);
  return body.id;
}

/**
 * What a mail provider's inbound webhook would post: a supplier's mail with one of the
 * invoice agent's sample invoices (apps/invoice-agent/fixtures) attached, as raw MIME, signed.
 */
async function sendSampleInvoiceMail(): Promise<string> {
  const mime = await new MailComposer({
    from: '"Kranich Beratung" <rechnung@kranich-beratung.example>',
    to: 'ap@flowline.example',
    subject: 'Rechnung RE-2026-0042',
    text: 'Guten Tag,\n\nanbei unsere Rechnung RE-2026-0042. Zahlbar innerhalb von 30 Tagen.\n\nMit freundlichen Grüßen',
    attachments: [
      {
        filename: 'RE-2026-0042.pdf',
        content: readFileSync(join(repoRoot, 'apps/invoice-agent/fixtures/de-consulting.pdf')),
      },
    ],
  })
    .compile()
    .build();
  const deliveryId = `msg_sample_${Date.now()}`;
  const timestamp = new Date();
  const response = await fetch('http://127.0.0.1:8080/webhooks/inbound-mail', {
    method: 'POST',
    headers: {
      'content-type': 'message/rfc822',
      'webhook-id': deliveryId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(MAIL_SECRET).sign(deliveryId, timestamp, mime.toString('latin1')),
    },
    body: mime,
  });
  const body = (await response.json()) as { id?: string; detail?: string };
  if (response.status !== 202 || body.id === undefined) {
    throw new Error(`the sample mail was refused: ${response.status} ${body.detail ?? ''}`);
  }
  say(`sample mail accepted: 202 {"id":"${body.id}"}`);
  return body.id;
}

/** Runs the built `flowline` CLI with the infrastructure's connection settings. */
function flowline(
  args: readonly string[],
  settings: InfraSettings,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'apps/flowline-cli/bin/flowline.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, KAFKA_BROKERS: settings.KAFKA_BROKERS, DATABASE_URL: settings.DATABASE_URL },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Waits until the event archiver has stored the sample chain down to its last event type,
 * then prints what an on-call engineer would run: `flowline trace <correlation id>`.
 */
async function printSampleTrace(correlationId: string, settings: InfraSettings, lastType: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const probe = flowline(['trace', correlationId, '--json'], settings);
    if (probe.status === 0 && probe.stdout.includes(`"${lastType}"`)) break;
    if (Date.now() > deadline)
      throw new Error(
        `the sample chain did not reach the event store within 60 s: ${probe.stderr.trim() || probe.stdout.trim()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  say(`$ npx flowline trace ${correlationId}`);
  const shown = flowline(['trace', correlationId], settings);
  process.stdout.write(shown.stdout);
  if (shown.status !== 0) throw new Error(`flowline trace failed: ${shown.stderr.trim()}`);
}

main().catch((error: unknown) => {
  console.error(`[flowline] start failed: ${(error as Error).message}`);
  process.exit(1);
});
