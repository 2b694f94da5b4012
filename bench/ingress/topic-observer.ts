/**
 * A bare kafkajs consumer that watches one topic from outside the processes under test:
 * fresh group, from the beginning, no commits, read_committed (what every Flowline reader
 * uses, so a transactional stage's output counts only once its transaction committed). For
 * each record it hands the event's id, type and cause (read from the `ce_*` headers alone: a
 * full decode and schema check per record would take CPU from the processes under test on a
 * two-core machine), the record's timestamp (when its producer built the produce request,
 * epoch ms, by that process's clock: same machine, same clock) and the moment this
 * consumer's fetch returned it.
 */
import type { Consumer } from 'kafkajs';
import { lastHeaderTexts } from '@flowline/event-schemas';
import type { BenchKafka } from '../messaging/bench-kafka';
import { waitUntil } from '../messaging/deadline';

/** Epoch milliseconds with performance.now()'s sub-millisecond resolution (one clock for scheduling and arrival). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface ObservedRecord {
  /** The CloudEvent's id, type and causationid. */
  event: { id: string; type: string; causationid: string | undefined };
  /** The record's timestamp: when its producer built the produce request (epoch ms). */
  producedAt: number;
  /** When this observer's fetch returned it (epoch ms). */
  arrivedAt: number;
}

export class TopicObserver {
  private readonly consumer: Consumer;
  private joined = false;

  constructor(
    bench: BenchKafka,
    private readonly topic: string,
    groupId: string,
    private readonly onRecord: (record: ObservedRecord) => void,
    /** The fetch wait: how long the broker holds a fetch that finds nothing new. */
    maxWaitTimeInMs = 100,
  ) {
    this.consumer = bench.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    // No offset commits: kafkajs would commit after every batch inside the fetch cycle, a round trip charged to every hop.
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: ({ batch }) => {
        const arrivedAt = epochNow();
        for (const message of batch.messages) {
          const headers = lastHeaderTexts(message.headers);
          const id = headers['ce_id'];
          const type = headers['ce_type'];
          if (id === undefined || type === undefined) continue;
          this.onRecord({
            event: { id, type, causationid: headers['ce_causationid'] },
            producedAt: Number(message.timestamp),
            arrivedAt,
          });
        }
        return Promise.resolve();
      },
    });
    await waitUntil(() => this.joined, performance.now() + 30_000, 10, `observer of ${this.topic} joining`);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
