/**
 * Writes events to partition 0 of a topic, each in a Kafka transaction of its own that is
 * committed or aborted: the partition then holds, after each event, the transaction's commit
 * or abort marker, which no read_committed consumer hands to a handler.
 */
import type { Kafka } from 'kafkajs';
import { encodeEvent, FlowlineEvent } from '@flowline/event-schemas';
import { uniqueName } from '@flowline/testing';

export async function writeInTransactions(
  kafka: Kafka,
  topic: string,
  writes: readonly { event: FlowlineEvent; commit: boolean }[],
): Promise<void> {
  const producer = kafka.producer({ transactionalId: uniqueName('test-tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const { event, commit } of writes) {
      const transaction = await producer.transaction();
      const record = encodeEvent(event);
      await transaction.send({
        topic,
        messages: [{ key: record.key, value: record.value, headers: record.headers, partition: 0 }],
      });
      await (commit ? transaction.commit() : transaction.abort());
    }
  } finally {
    await producer.disconnect();
  }
}
