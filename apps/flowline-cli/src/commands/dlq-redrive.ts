import { recordKey } from '@flowline/event-store';
/**
 * `flowline dlq redrive <topic>`: republishes selected dead letters to their original topic
 * with the same key, value and headers (so the same CloudEvent id: only a consumer that
 * records ids in the PostgreSQL inbox drops one it had in fact handled; see
 * docs/architecture.md "Delivery guarantees: what is acknowledged when"), then marks each as
 * redriven in the event store — only after the broker acknowledged it, so a crash can resend
 * one but never lose one. Records already marked are skipped, which makes a rerun safe.
 */
import { InterruptedError, NotFoundError } from '../cli-error';
import { DeadLetterView, originalRecordOf, readDeadLetter } from '../dead-letter-record';
import type { CommandContext, ConsumedRecord, EventStorePort, RecordPublisherPort, TopicReaderPort } from '../ports';
import { PublishWindow } from '../publish-window';
import { deadLetterTopicFor } from '../topic-argument';

export type RedriveSelector = { kind: 'id'; id: string } | { kind: 'type'; type: string } | { kind: 'all' };

export interface DlqRedriveOptions {
  topic: string;
  selector: RedriveSelector;
  dryRun: boolean;
}

export interface DlqRedrivePorts {
  reader: Pick<TopicReaderPort, 'assertTopicsExist' | 'read'>;
  store: Pick<EventStorePort, 'redriven' | 'markRedriven'>;
  /** Asked for only when something is to be sent (a dry run needs no producer). */
  publisher(): Promise<RecordPublisherPort>;
}

const IN_FLIGHT = 100;

export async function dlqRedriveCommand(
  ports: DlqRedrivePorts,
  options: DlqRedriveOptions,
  context: CommandContext,
): Promise<void> {
  const deadLetterTopic = deadLetterTopicFor(options.topic);
  await ports.reader.assertTopicsExist([deadLetterTopic]);
  const run = new RedriveRun(ports, options, context);
  // Stops the read on the operator's signal or on the first failure; errors are never thrown into the read loop.
  const onSignal = (): void => run.stop.abort();
  context.signal.addEventListener('abort', onSignal);
  if (context.signal.aborted) run.stop.abort();
  try {
    await ports.reader.read({
      topics: [deadLetterTopic],
      from: 'earliest',
      signal: run.stop.signal,
      onRecord: (record) => run.consider(record),
    });
  } finally {
    // Also when the read failed: republishes already on the wire get acked and marked, so a
    // rerun does not send them again.
    await run.window.drain();
    context.signal.removeEventListener('abort', onSignal);
  }
  run.finish(deadLetterTopic);
}

class RedriveRun {
  readonly stop = new AbortController();
  readonly window = new PublishWindow(IN_FLIGHT, () => this.stop.abort());
  private failure: { error: unknown } | undefined;
  private publisher: RecordPublisherPort | undefined;
  private readonly checkedTargets = new Map<string, Promise<void>>();
  private matched = 0;
  private skipped = 0;
  private redriven = 0;

  constructor(
    private readonly ports: DlqRedrivePorts,
    private readonly options: DlqRedriveOptions,
    private readonly context: CommandContext,
  ) {}

  async consider(record: ConsumedRecord): Promise<void> {
    if (this.stop.signal.aborted) return;
    try {
      await this.redrive(record);
    } catch (error) {
      this.failure ??= { error };
      this.stop.abort();
    }
  }

  finish(deadLetterTopic: string): void {
    const failure = this.failure ?? this.window.failure;
    const done = this.summary(deadLetterTopic);
    if (failure !== undefined) {
      if (this.redriven > 0) this.context.output.err(`${done} before failing\n`);
      throw failure.error;
    }
    if (this.context.signal.aborted) throw new InterruptedError(`${done} before stopping`);
    if (this.options.selector.kind === 'id' && this.matched === 0) {
      throw new NotFoundError(`no dead letter with event id "${this.options.selector.id}" in ${deadLetterTopic}`);
    }
    this.context.output.out(`${done}\n`);
  }

  private async redrive(record: ConsumedRecord): Promise<void> {
    const deadLetter = readDeadLetter(record);
    if (!selects(this.options.selector, deadLetter)) return;
    this.matched += 1;
    const position = { topic: record.topic, partition: record.partition, offset: record.offset };
    if ((await this.ports.store.redriven([position])).has(recordKey(position))) {
      this.skipped += 1;
      return;
    }
    const target = deadLetter.originalTopic;
    if (this.options.dryRun) {
      this.redriven += 1;
      this.context.output.out(`would redrive ${describe(deadLetter)} → ${target}\n`);
      return;
    }
    await this.targetExists(target);
    this.publisher ??= await this.ports.publisher();
    const publisher = this.publisher;
    await this.window.submit(async () => {
      await publisher.publishRecord(
        target,
        originalRecordOf(record),
        deadLetter.type ?? 'unknown',
        deadLetter.id ?? undefined,
      );
      try {
        await this.ports.store.markRedriven(position, target, this.context.now());
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `republished ${describe(deadLetter)} to ${target} but could not mark it redriven (${reason}): a rerun sends it again (same event id)`,
          { cause: error },
        );
      }
      this.redriven += 1;
      this.context.output.out(`redriven ${describe(deadLetter)} → ${target}\n`);
    });
  }

  /** Publishing to a missing topic would retry forever (no auto-creation): check each target once. */
  private targetExists(target: string): Promise<void> {
    let check = this.checkedTargets.get(target);
    if (check === undefined) {
      check = this.ports.reader.assertTopicsExist([target]);
      this.checkedTargets.set(target, check);
    }
    return check;
  }

  private summary(deadLetterTopic: string): string {
    const plural = (count: number): string => `${count} dead letter${count === 1 ? '' : 's'}`;
    const skipped = `${this.skipped} skipped (already redriven)`;
    return this.options.dryRun
      ? `dry run: would redrive ${plural(this.redriven)} from ${deadLetterTopic}, ${skipped}; nothing was sent`
      : `redriven ${plural(this.redriven)} from ${deadLetterTopic}, ${skipped}`;
  }
}

function selects(selector: RedriveSelector, deadLetter: DeadLetterView): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'id':
      return deadLetter.id === selector.id;
    case 'type':
      return deadLetter.type === selector.type;
  }
}

function describe(deadLetter: DeadLetterView): string {
  return `${deadLetter.partition}:${deadLetter.offset}  ${deadLetter.id ?? '(no id)'}  ${deadLetter.type ?? '(no type)'}`;
}
