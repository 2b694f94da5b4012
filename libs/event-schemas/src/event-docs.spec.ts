import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { parse as parseYaml } from 'yaml';
import { asyncApiYaml } from './asyncapi-document';
import { DLQ_HEADERS } from './dead-letter-headers';
import { EVENT_TYPES } from './event-catalog';
import { DOCS_DIRECTORY, renderEventDocs, SCHEMAS_FOLDER } from './event-docs';
import { AGENT_NAMES, BASE_TOPICS } from './topics';

const STALE = 'is out of date with libs/event-schemas: run npm run docs:events and commit the result';

function checkedIn(relative: string): string | undefined {
  try {
    return readFileSync(path.join(DOCS_DIRECTORY, relative), 'utf8');
  } catch {
    return undefined;
  }
}

describe('generated event docs', () => {
  it('docs/asyncapi.yaml and docs/schemas match what the catalogue generates', () => {
    const generated = renderEventDocs();
    const problems: string[] = [];
    for (const [relative, content] of generated) {
      if (checkedIn(relative) !== content) problems.push(`docs/${relative} ${STALE}`);
    }
    for (const name of readdirSync(path.join(DOCS_DIRECTORY, SCHEMAS_FOLDER))) {
      if (!generated.has(`${SCHEMAS_FOLDER}/${name}`))
        problems.push(`docs/${SCHEMAS_FOLDER}/${name} is no longer generated: run npm run docs:events`);
    }
    expect(problems).toEqual([]);
  });

  it('writes one JSON Schema file per catalogue type and version', () => {
    const files = [...renderEventDocs().keys()].filter((name) => name.startsWith(`${SCHEMAS_FOLDER}/`));
    expect(files).toEqual(expect.arrayContaining(EVENT_TYPES.map((type) => `${SCHEMAS_FOLDER}/${type}.v1.json`)));
  });

  it('renders the same bytes every time (no timestamps, stable order)', () => {
    expect(asyncApiYaml()).toBe(asyncApiYaml());
  });
});

describe('the AsyncAPI document', () => {
  const parsed = new Parser().parse(readFileSync(path.join(DOCS_DIRECTORY, 'asyncapi.yaml'), 'utf8'));

  it('is valid AsyncAPI 3.0 (no error diagnostics from @asyncapi/parser)', async () => {
    const { document, diagnostics } = await parsed;
    // Numbers, not enum members: the parser's diagnostics come from another copy of @stoplight/types.
    const errors = diagnostics.filter((diagnostic) => Number(diagnostic.severity) === Number(DiagnosticSeverity.Error));
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('lists every catalogue type as a message', async () => {
    const { document } = await parsed;
    const names = document
      ?.components()
      .messages()
      .all()
      .map((message) => message.name());
    expect(names).toEqual(expect.arrayContaining([...EVENT_TYPES]));
  });

  it('lists every contract topic as a channel, dead-letter topics included', async () => {
    const { document } = await parsed;
    const addresses = document
      ?.channels()
      .all()
      .map((channel) => channel.address());
    const contractTopics = [
      ...Object.values(BASE_TOPICS),
      ...AGENT_NAMES.map((agent) => `agent.${agent}`),
      '{topic}.dlq',
    ];
    expect(addresses).toEqual(expect.arrayContaining(contractTopics));
  });

  it('describes the CloudEvents binary-mode headers and the partition key as the Kafka key', async () => {
    const { document } = await parsed;
    const message = document
      ?.components()
      .messages()
      .all()
      .find((candidate) => candidate.name() === 'invoice.processed');
    const headers = JSON.stringify(message?.headers()?.json());
    for (const header of [
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_specversion',
      'ce_time',
      'content-type',
      'ce_correlationid',
      'ce_causationid',
      'ce_schemaversion',
      'ce_partitionkey',
      'traceparent',
      'tracestate',
    ]) {
      expect(headers).toContain(`"${header}"`);
    }
    expect(JSON.stringify(message?.bindings().get('kafka')?.value())).toContain('partitionkey');
  });

  it('has the agents send and receive what docs/architecture.md says', async () => {
    const { document } = await parsed;
    const operations = document
      ?.operations()
      .all()
      .map(
        (operation) =>
          `${operation.action()} ${operation.channels().all()[0]?.address() ?? '?'} (${operation.tags().all()[0]?.name() ?? '?'})`,
      );
    expect(operations).toEqual(
      expect.arrayContaining([
        'send ingress.webhook (webhook-gateway)',
        'receive agent.invoice (invoice-agent)',
        'send events.domain (invoice-agent)',
        'send agent.sync (router)',
        'receive events.domain (notifier)',
        'receive {topic}.dlq (event-archiver)',
      ]),
    );
  });
});

describe('dead-letter documentation', () => {
  it('documents every header a dead letter carries', () => {
    const document = parseYaml(asyncApiYaml()) as {
      components: { messages: { deadLetter: { headers: { properties: Record<string, unknown> } } } };
    };
    expect(Object.keys(document.components.messages.deadLetter.headers.properties).sort()).toEqual(
      Object.values(DLQ_HEADERS).sort(),
    );
  });
});
