/**
 * Builds the causal tree of one correlation id from its stored records (pure; the store runs
 * one indexed query and hands the rows here).
 *
 * - A node is one event id; its appearances are every topic it was stored on (the router
 *   forwards a record unchanged, a dead letter repeats the id on `<topic>.dlq`).
 * - Its parent is the node whose id is its causationid; without one in the rows it is a root.
 * - Status: `unrouted` if it appears on `…events.unrouted`; else `dead-lettered` if it has a
 *   dead letter without a redrive mark; else `redriven` if all its dead letters are marked;
 *   else `processed`.
 * - Bad data never breaks the build: a cycle of causation ids is cut (its earliest event becomes a root),
 *   each id is placed once, and the walk is iterative (no stack limit on long chains).
 */
import { isDeadLetterTopic, isUnroutedTopic } from '@flowline/event-schemas';
import { DeadLetterInfo, StoredEvent } from './stored-event';

export type TraceStatus = 'processed' | 'dead-lettered' | 'redriven' | 'unrouted';

export interface TraceAppearance {
  topic: string;
  partition: number;
  offset: string;
  kafkaTimestamp: Date;
}

export interface TraceNode {
  id: string;
  /** `(unknown)` when no appearance carried `ce_type`. */
  type: string;
  source: string;
  /** `ce_time`; the first appearance's Kafka timestamp when the event had none. */
  time: Date;
  causationid: string | null;
  /** This event's ce time minus its parent's; null for a root. */
  sinceParentMs: number | null;
  /** Oldest first. */
  appearances: TraceAppearance[];
  status: TraceStatus;
  /** The dead letter that decides the status: the newest unredriven one, else the newest one. */
  deadLetter?: DeadLetterInfo;
  /** Ordered by time. */
  children: TraceNode[];
}

export interface EventTrace {
  correlationId: string;
  /** Ordered by time; normally one, the event that started the chain. */
  roots: TraceNode[];
  eventCount: number;
  firstTime: Date;
  lastTime: Date;
  /** Nodes where the chain stopped with a failure (dead-lettered, not redriven, or unrouted), in tree order. */
  stoppedAt: TraceNode[];
}

const UNKNOWN_TYPE = '(unknown)';

/** The trace of `correlationId` from its rows; undefined when no row has an event id. */
export function buildTrace(correlationId: string, events: readonly StoredEvent[]): EventTrace | undefined {
  const nodes = nodesById(events);
  if (nodes.size === 0) return undefined;

  const byTime = (a: TraceNode, b: TraceNode): number =>
    a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const childrenOf = new Map<string, TraceNode[]>();
  const candidates: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.causationid === null || node.causationid === node.id ? undefined : nodes.get(node.causationid);
    if (parent === undefined) {
      candidates.push(node);
    } else {
      const siblings = childrenOf.get(parent.id) ?? [];
      siblings.push(node);
      childrenOf.set(parent.id, siblings);
    }
  }
  for (const siblings of childrenOf.values()) siblings.sort(byTime);

  const placed = new Set<string>();
  const roots: TraceNode[] = [];
  const stoppedAt: TraceNode[] = [];
  const place = (root: TraceNode): void => {
    roots.push(root);
    const stack: { node: TraceNode; parent: TraceNode | undefined }[] = [{ node: root, parent: undefined }];
    placed.add(root.id);
    while (stack.length > 0) {
      const { node, parent } = stack.pop() as { node: TraceNode; parent: TraceNode | undefined };
      if (parent !== undefined) {
        parent.children.push(node);
        node.sinceParentMs = node.time.getTime() - parent.time.getTime();
      }
      if (node.status === 'dead-lettered' || node.status === 'unrouted') stoppedAt.push(node);
      const children = (childrenOf.get(node.id) ?? []).filter((child) => !placed.has(child.id));
      for (const child of children) placed.add(child.id);
      // Reversed onto the stack, so children are visited (and appended) in time order.
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i] as TraceNode, parent: node });
    }
  };
  for (const root of candidates.sort(byTime)) place(root);
  // What is left is a causation cycle (or hangs off one): the earliest such event becomes a root.
  for (const node of [...nodes.values()].sort(byTime)) {
    if (!placed.has(node.id)) place(node);
  }
  roots.sort(byTime);

  let firstTime = Number.POSITIVE_INFINITY;
  let lastTime = Number.NEGATIVE_INFINITY;
  for (const node of nodes.values()) {
    firstTime = Math.min(firstTime, node.time.getTime());
    lastTime = Math.max(lastTime, node.time.getTime());
  }
  return {
    correlationId,
    roots,
    eventCount: nodes.size,
    firstTime: new Date(firstTime),
    lastTime: new Date(lastTime),
    stoppedAt,
  };
}

/** One node per event id, its attributes from its first appearance that is not a dead letter. */
function nodesById(events: readonly StoredEvent[]): Map<string, TraceNode> {
  const appearancesById = new Map<string, StoredEvent[]>();
  for (const event of events) {
    if (event.id === null) continue;
    const appearances = appearancesById.get(event.id) ?? [];
    appearances.push(event);
    appearancesById.set(event.id, appearances);
  }
  const nodes = new Map<string, TraceNode>();
  for (const [id, appearances] of appearancesById) {
    appearances.sort((a, b) => a.kafkaTimestamp.getTime() - b.kafkaTimestamp.getTime() || compareCoordinates(a, b));
    const [oldest] = appearances;
    if (oldest === undefined) continue;
    const primary = appearances.find((event) => !isDeadLetterTopic(event.topic)) ?? oldest;
    const attribute = <K extends 'type' | 'source' | 'time' | 'causationid'>(name: K): StoredEvent[K] | null =>
      primary[name] ?? appearances.find((event) => event[name] !== null)?.[name] ?? null;
    const { status, deadLetter } = statusOf(appearances);
    nodes.set(id, {
      id,
      type: attribute('type') ?? UNKNOWN_TYPE,
      source: attribute('source') ?? '',
      time: attribute('time') ?? primary.kafkaTimestamp,
      causationid: attribute('causationid'),
      sinceParentMs: null,
      appearances: appearances.map(({ topic, partition, offset, kafkaTimestamp }) => ({
        topic,
        partition,
        offset,
        kafkaTimestamp,
      })),
      status,
      ...(deadLetter === undefined ? {} : { deadLetter }),
      children: [],
    });
  }
  return nodes;
}

function statusOf(appearances: readonly StoredEvent[]): { status: TraceStatus; deadLetter?: DeadLetterInfo } {
  const deadLetters = appearances.filter((event) => isDeadLetterTopic(event.topic));
  const open = deadLetters.filter((event) => event.deadLetter?.redrivenAt === undefined);
  const deciding = (open.length > 0 ? open : deadLetters).at(-1)?.deadLetter;
  const withInfo = deciding === undefined ? {} : { deadLetter: deciding };
  if (appearances.some((event) => isUnroutedTopic(event.topic))) return { status: 'unrouted', ...withInfo };
  if (open.length > 0) return { status: 'dead-lettered', ...withInfo };
  if (deadLetters.length > 0) return { status: 'redriven', ...withInfo };
  return { status: 'processed' };
}

function compareCoordinates(a: StoredEvent, b: StoredEvent): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const offsetA = BigInt(a.offset);
  const offsetB = BigInt(b.offset);
  return offsetA < offsetB ? -1 : offsetA > offsetB ? 1 : 0;
}
