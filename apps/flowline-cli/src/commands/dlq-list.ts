import { recordKey } from '@flowline/event-store';
import { DeadLetterView, ListedDeadLetter, readDeadLetter } from '../dead-letter-record';
import type { CommandContext, EventStorePort, TopicReaderPort } from '../ports';
import { deadLettersToJson, renderDeadLetters } from '../render-dead-letters';
import { deadLetterTopicFor } from '../topic-argument';

export interface DlqListOptions {
  /** The guarded topic or the dead-letter topic itself. */
  topic: string;
  json: boolean;
}

/** `flowline dlq list <topic>`: every record of the dead-letter topic (from Kafka), with its redrive mark (from the store). */
export async function dlqListCommand(
  reader: Pick<TopicReaderPort, 'assertTopicsExist' | 'read'>,
  store: Pick<EventStorePort, 'redriven'>,
  options: DlqListOptions,
  { output, signal }: CommandContext,
): Promise<void> {
  const deadLetterTopic = deadLetterTopicFor(options.topic);
  await reader.assertTopicsExist([deadLetterTopic]);
  const deadLetters: DeadLetterView[] = [];
  await reader.read({
    topics: [deadLetterTopic],
    from: 'earliest',
    signal,
    onRecord: (record) => void deadLetters.push(readDeadLetter(record)),
  });
  const marks = await store.redriven(deadLetters);
  const listed: ListedDeadLetter[] = deadLetters
    .sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset))
    .map((deadLetter) => ({ ...deadLetter, redriven: marks.get(recordKey(deadLetter)) ?? null }));
  output.out(options.json ? deadLettersToJson(listed) : renderDeadLetters(deadLetterTopic, listed));
}

function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
