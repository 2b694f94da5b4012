/**
 * The fault run's ledger, computed only from what the platform's outputs show — the messages on
 * the RabbitMQ queue, the outbound webhook deliveries, the event store, the MongoDB read model —
 * never from the services' own counters. Pure, so its rules are unit-tested (ledger.spec.ts).
 *
 * - lost: an accepted input (a webhook answered 202, a file dropped, a row or document change
 *   committed)
 *   without its final result, or a final result without its successful outbound delivery.
 * - duplicated: one input with results under more than one event id. The same id seen twice (a
 *   Kafka redelivery, a RabbitMQ redelivery, a webhook retry) is one effect, as a receiver that
 *   drops duplicates by id sees it.
 * - MongoDB changes are matched by count, not content: an update's event carries the document
 *   as looked up when the change stream read it (`fullDocument: 'updateLookup'`), so three
 *   quick updates read again after a restart all show the last version. The i-th change of a
 *   key accepted (per operation) is the i-th distinct event of that key (by id, in Kafka order);
 *   fewer events is a loss, more a duplicate.
 * - CDC order: the read model equals the source's final state (the PostgreSQL table's, the
 *   MongoDB collection's), row by row, version by version, so a stale change applied after a
 *   newer one would show.
 */

/** cdc: a PostgreSQL table's changes (logical replication); mongo: a MongoDB collection's (change streams). */
export type Flow = 'mail' | 'file' | 'cdc' | 'mongo';
export const FLOWS: readonly Flow[] = ['mail', 'file', 'cdc', 'mongo'];
export type ChangeFlow = 'cdc' | 'mongo';

/** An input the platform accepted, and when (ms since epoch). */
export type AcceptedInput =
  | { flow: 'mail'; eventId: string; at: number }
  | { flow: 'file'; name: string; at: number }
  | { flow: ChangeFlow; key: string; op: 'insert' | 'update' | 'delete'; version: number; at: number };

/** A message read from the results queue (RabbitMQ). */
export interface ResultMessage {
  messageId: string;
  type: string;
  correlationId: string;
  at: number;
}

export interface WebhookDelivery {
  webhookId: string;
  status: number;
  at: number;
}

/** What the event store holds about the first event of a file or CDC input. */
export interface StoredFileUpload {
  id: string;
  relativePath: string;
}
export interface StoredDataChange {
  /** Which source it came from (by its subject: the watched table, or the watched collection). */
  source: ChangeFlow;
  id: string;
  key: string;
  op: string;
  version: number | undefined;
  /** When it reached Kafka first (ms since epoch): orders a MongoDB key's events. */
  at: number;
}

/** One row of the watched table, and one document of the read model (deleted ones excluded). */
export interface RowVersion {
  key: string;
  version: number;
}

export interface LedgerInputs {
  accepted: readonly AcceptedInput[];
  results: readonly ResultMessage[];
  deliveries: readonly WebhookDelivery[];
  fileUploads: readonly StoredFileUpload[];
  dataChanges: readonly StoredDataChange[];
  table: readonly RowVersion[];
  readModel: readonly RowVersion[];
  /** The watched MongoDB collection's documents, and their read model. */
  collection: readonly RowVersion[];
  collectionReadModel: readonly RowVersion[];
}

/** The final result type of each flow. */
export const FINAL_TYPE: Record<Flow, string> = {
  mail: 'invoice.processed',
  file: 'invoice.processed',
  cdc: 'sync.completed',
  mongo: 'sync.completed',
};

export interface InputOutcome {
  input: AcceptedInput;
  /** The distinct ids of the input's first event (one, unless the source published it twice). */
  firstEventIds: string[];
  /** The distinct ids of its final results. */
  resultIds: string[];
  /** When its first final result arrived; undefined while it has none. */
  completedAt: number | undefined;
}

export interface Ledger {
  outcomes: InputOutcome[];
  inputsPerFlow: Record<Flow, number>;
  lost: string[];
  duplicated: string[];
  /** Final results whose outbound webhook never got a 2xx. */
  undelivered: string[];
  /** Keys where a read model differs from its source (MongoDB's prefixed `mongo`). */
  readModelMismatches: string[];
}

function describe(input: AcceptedInput): string {
  if (input.flow === 'mail') return `mail ${input.eventId}`;
  if (input.flow === 'file') return `file ${input.name}`;
  return `${input.flow} ${input.op} ${input.key} v${input.version}`;
}

const changeKey = (source: ChangeFlow, key: string, op: string, version: number | undefined): string =>
  op === 'delete' ? `${source}/${key}/delete` : `${source}/${key}/${op}/${String(version)}`;

/**
 * MongoDB inputs to their events: per key and operation, the accepted changes in order against
 * the distinct events in Kafka order. `extra`: events beyond the changes accepted.
 */
function matchMongoChanges(
  accepted: readonly AcceptedInput[],
  changes: readonly StoredDataChange[],
): { eventIds: Map<AcceptedInput, string[]>; extra: string[] } {
  const inputs = group(
    accepted.filter((input) => input.flow === 'mongo'),
    (input) => (input.flow === 'mongo' ? `${input.key}/${input.op}` : ''),
  );
  const events = group(
    changes.filter((change) => change.source === 'mongo'),
    (change) => `${change.key}/${change.op}`,
  );
  const eventIds = new Map<AcceptedInput, string[]>();
  const extra: string[] = [];
  for (const [key, list] of events) {
    const distinct = [...new Map(list.map((change) => [change.id, change])).values()].sort(
      (a, b) => a.at - b.at || a.id.localeCompare(b.id),
    );
    const taken = inputs.get(key) ?? [];
    taken.forEach((input, i) => {
      const event = distinct[i];
      if (event !== undefined) eventIds.set(input, [event.id]);
    });
    if (distinct.length > taken.length) {
      extra.push(
        `mongo ${key}: ${taken.length} changes accepted, ${distinct.length} events (${distinct.map((change) => change.id).join(', ')})`,
      );
    }
  }
  return { eventIds, extra };
}

function group<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [item]);
    else list.push(item);
  }
  return groups;
}

export function computeLedger(inputs: LedgerInputs): Ledger {
  const resultsByCorrelation = group(inputs.results, (result) => `${result.type} ${result.correlationId}`);
  const uploadsByName = group(inputs.fileUploads, (upload) => upload.relativePath);
  const changesByKey = group(inputs.dataChanges, (change) =>
    changeKey(change.source, change.key, change.op, change.version),
  );

  const mongo = matchMongoChanges(inputs.accepted, inputs.dataChanges);
  const firstEventIdsOf = (input: AcceptedInput): string[] => {
    if (input.flow === 'mail') return [input.eventId];
    if (input.flow === 'mongo') return mongo.eventIds.get(input) ?? [];
    const stored =
      input.flow === 'file'
        ? (uploadsByName.get(input.name) ?? [])
        : (changesByKey.get(changeKey(input.flow, input.key, input.op, input.version)) ?? []);
    return [...new Set(stored.map((event) => event.id))];
  };

  const outcomes = inputs.accepted.map((input): InputOutcome => {
    const firstEventIds = firstEventIdsOf(input);
    const results = firstEventIds.flatMap((id) => resultsByCorrelation.get(`${FINAL_TYPE[input.flow]} ${id}`) ?? []);
    const resultIds = [...new Set(results.map((result) => result.messageId))];
    const completedAt = results.length === 0 ? undefined : Math.min(...results.map((result) => result.at));
    return { input, firstEventIds, resultIds, completedAt };
  });

  const lost = outcomes.filter((outcome) => outcome.resultIds.length === 0).map((outcome) => describe(outcome.input));
  const duplicated = [
    ...outcomes
      .filter((outcome) => outcome.firstEventIds.length > 1 || outcome.resultIds.length > 1)
      .map(
        (outcome) =>
          `${describe(outcome.input)}: first events ${outcome.firstEventIds.join(', ')}; results ${outcome.resultIds.join(', ')}`,
      ),
    ...mongo.extra,
  ];

  // Every invoice.processed is also delivered to the outbound webhook subscription.
  const delivered = new Set(
    inputs.deliveries.filter((delivery) => delivery.status < 300).map((delivery) => delivery.webhookId),
  );
  const announced = new Set(
    inputs.results.filter((result) => result.type === 'invoice.processed').map((result) => result.messageId),
  );
  const undelivered = [...announced].filter((id) => !delivered.has(id));

  const readModelMismatches = [
    ...mismatches(inputs.table, inputs.readModel, '', 'table'),
    ...mismatches(inputs.collection, inputs.collectionReadModel, 'mongo ', 'collection'),
  ];

  const inputsPerFlow = Object.fromEntries(
    FLOWS.map((flow) => [flow, inputs.accepted.filter((input) => input.flow === flow).length]),
  ) as Record<Flow, number>;
  return { outcomes, inputsPerFlow, lost, duplicated, undelivered, readModelMismatches };
}

/** Keys where the read model differs from the source, version by version. */
function mismatches(
  sourceRows: readonly RowVersion[],
  modelRows: readonly RowVersion[],
  prefix: string,
  sourceName: string,
): string[] {
  const model = new Map(modelRows.map((row) => [row.key, row.version]));
  const source = new Map(sourceRows.map((row) => [row.key, row.version]));
  return [
    ...[...source].filter(([key, version]) => model.get(key) !== version),
    ...[...model].filter(([key]) => !source.has(key)),
  ].map(
    ([key]) =>
      `${prefix}${key}: ${sourceName} v${String(source.get(key) ?? 'deleted')}, read model v${String(model.get(key) ?? 'none')}`,
  );
}

/** A fault as injected: when it began, and when the broken part was back (restarted, answering). */
export interface InjectedFault {
  kind: 'kill' | 'kafka' | 'postgres' | 'rabbitmq' | 'receiver';
  target: string;
  at: number;
  restoredAt: number;
}

/** The flows whose results wait on a target (a service or a server). */
export function flowsNeeding(fault: InjectedFault): readonly Flow[] {
  if (fault.kind !== 'kill') return FLOWS;
  const app = fault.target.replace(/#\d+$/, '');
  const needs: Record<string, readonly Flow[]> = {
    'webhook-gateway': ['mail'],
    'email-agent': ['mail'],
    'file-watcher': ['file'],
    'document-agent': ['file'],
    'invoice-agent': ['mail', 'file'],
    'cdc-listener': ['cdc', 'mongo'],
    'sync-agent': ['cdc', 'mongo'],
    router: FLOWS,
    notifier: FLOWS,
    // The archiver feeds the event store, not a flow's result; its effect shows in the ledger.
    'event-archiver': [],
  };
  return needs[app] ?? FLOWS;
}

/** How long after an input's first acceptance following the fault the window of measured inputs lasts. */
export const RECOVERY_WINDOW_MS = 2_000;

/**
 * Recovery time of a fault: from the fault until every input of the flows that need the broken
 * part, accepted in the first RECOVERY_WINDOW_MS after the fault (counted from the first input of
 * that flow accepted at or after the fault, since nothing is accepted while an ingress is down),
 * has its final result. Inputs spread over every partition, so a killed consumer's partitions,
 * stalled until the group notices, are in it. It includes the flow's normal latency.
 * For the receiver fault (the outbound webhook answering 500): from the receiver answering 2xx
 * again until every result that failed a delivery during the fault was delivered.
 * undefined: no input to measure, or one never completed (the ledger then reports it lost).
 */
export function recoveryMs(
  fault: InjectedFault,
  ledger: Ledger,
  deliveries: readonly WebhookDelivery[],
): number | undefined {
  if (fault.kind === 'receiver') {
    const failed = new Set(
      deliveries
        .filter((delivery) => delivery.status >= 300 && delivery.at >= fault.at && delivery.at <= fault.restoredAt)
        .map((delivery) => delivery.webhookId),
    );
    if (failed.size === 0) return undefined;
    const deliveredAt = [...failed].map(
      (id) => deliveries.find((delivery) => delivery.webhookId === id && delivery.status < 300)?.at,
    );
    if (deliveredAt.some((at) => at === undefined)) return undefined;
    return Math.max(...(deliveredAt as number[])) - fault.restoredAt;
  }
  const perFlow = recoveryPerFlow(fault, ledger);
  if (perFlow.size === 0 || [...perFlow.values()].some((ms) => ms === undefined)) return undefined;
  return Math.max(...(perFlow.values() as Iterable<number>));
}

/**
 * Whether a fault's recovery is over and can be measured now: the recovery window of every
 * flow that needs the broken part has closed (its first input after the fault is
 * RECOVERY_WINDOW_MS old) and completed; for the failing receiver, every delivery it failed was
 * delivered (or none failed). The suite waits for this before the next fault, so one fault's
 * recovery is not measured across the next one's outage.
 */
export function recoverySettled(
  fault: InjectedFault,
  ledger: Ledger,
  deliveries: readonly WebhookDelivery[],
  now: number,
): boolean {
  if (fault.kind === 'receiver') {
    const failed = deliveries.some(
      (delivery) => delivery.status >= 300 && delivery.at >= fault.at && delivery.at <= fault.restoredAt,
    );
    return !failed || recoveryMs(fault, ledger, deliveries) !== undefined;
  }
  return flowsNeeding(fault).every((flow) => {
    const window = recoveryWindow(fault, ledger, flow);
    if (window.length === 0) return false;
    const first = Math.min(...window.map((outcome) => outcome.input.at));
    return now >= first + RECOVERY_WINDOW_MS && window.every((outcome) => outcome.completedAt !== undefined);
  });
}

/**
 * The recovery of each flow that needs the broken part and had inputs after the fault (see
 * recoveryMs): undefined for a flow with an input that never completed. Says which flow a
 * slow recovery was.
 */
export function recoveryPerFlow(fault: InjectedFault, ledger: Ledger): Map<Flow, number | undefined> {
  const perFlow = new Map<Flow, number | undefined>();
  for (const flow of fault.kind === 'receiver' ? [] : flowsNeeding(fault)) {
    const window = recoveryWindow(fault, ledger, flow);
    if (window.length === 0) continue;
    perFlow.set(
      flow,
      window.some((outcome) => outcome.completedAt === undefined)
        ? undefined
        : Math.max(...window.map((outcome) => outcome.completedAt as number)) - fault.at,
    );
  }
  return perFlow;
}

/**
 * The outcomes a flow's recovery after a fault is measured on: its inputs accepted from the
 * first one at or after the fault to RECOVERY_WINDOW_MS later (none: no input after it).
 */
export function recoveryWindow(fault: InjectedFault, ledger: Ledger, flow: Flow): InputOutcome[] {
  const after = ledger.outcomes.filter((outcome) => outcome.input.flow === flow && outcome.input.at >= fault.at);
  if (after.length === 0) return [];
  const first = Math.min(...after.map((outcome) => outcome.input.at));
  return after.filter((outcome) => outcome.input.at <= first + RECOVERY_WINDOW_MS);
}
