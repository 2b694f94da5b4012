/**
 * A bare kafkajs consumer that watches a source's output topic from outside the process under
 * test and finds, in each record's value, the bench's marker: the row number of the CDC bench
 * (`"bench_seq":17`, in Flowline's `data.changed` and in Debezium's JSON alike) or the file
 * number of the file bench (`f-17.txt` in the event's path). A regex over the value, no full
 * decode: the observer shares two cores with the process it measures.
 *
 * Fresh group, from the beginning, no commits. For each marker it hands the record's
 * timestamp (its producer's CreateTime, epoch ms, same machine, same clock) and the moment
 * this consumer's fetch returned it.
 */
import type { Consumer } from 'kafkajs';
import type { BenchKafka } from '../messaging/bench-kafka';
import { epochNow } from '../ingress/topic-observer';
import { waitUntil } from '../messaging/deadline';

export { epochNow };

export interface ObservedMarker {
  marker: number;
  /** The record's CreateTime: when its producer built the produce request (epoch ms). */
  producedAt: number;
  /** When this observer's fetch returned it (epoch ms). */
  arrivedAt: number;
}

export class MarkerObserver {
  private readonly consumer: Consumer;
  private joined = false;

  constructor(
    bench: BenchKafka,
    private readonly topic: string,
    groupId: string,
    private readonly pattern: RegExp,
    private readonly onMarker: (observed: ObservedMarker) => void,
  ) {
    this.consumer = bench.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: ({ batch }) => {
        const arrivedAt = epochNow();
        for (const message of batch.messages) {
          const found = this.pattern.exec(message.value?.toString('utf8') ?? '');
          if (found?.[1] === undefined) continue;
          this.onMarker({ marker: Number(found[1]), producedAt: Number(message.timestamp), arrivedAt });
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
