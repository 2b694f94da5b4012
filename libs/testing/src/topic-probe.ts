/**
 * Reads a topic from the beginning in a throwaway consumer group and collects decoded
 * messages, so a test can wait until the event it expects has arrived.
 */
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { decodeEvent, FlowlineEvent, lastHeaderTexts } from '@flowline/event-schemas';
import { uniqueName } from './unique-names';
import { waitFor, WaitOptions } from './wait-for';

export interface ProbedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  headers: Record<string, string>;
  value: string | undefined;
  /** The decoded event, or undefined when the message is not a valid Flowline event. */
  event: FlowlineEvent | undefined;
}

export class TopicProbe {
  readonly messages: ProbedMessage[] = [];
  private readonly consumer: Consumer;

  private constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: uniqueName('probe'), allowAutoTopicCreation: false });
  }

  /** Starts reading the topics (which must exist) from their beginning. */
  static async start(brokers: string, topics: readonly string[]): Promise<TopicProbe> {
    const kafka = new Kafka({
      clientId: 'flowline-test-probe',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const probe = new TopicProbe(kafka);
    await probe.consumer.connect();
    await probe.consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await probe.consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const headers = lastHeaderTexts(message.headers);
        let event: FlowlineEvent | undefined;
        try {
          event = decodeEvent({ key: message.key, value: message.value, headers });
        } catch {
          event = undefined;
        }
        probe.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          headers,
          value: message.value?.toString(),
          event,
        });
        return Promise.resolve();
      },
    });
    return probe;
  }

  /** Waits until a message matching the predicate has been read; returns it. */
  waitFor(predicate: (message: ProbedMessage) => boolean, options: WaitOptions = {}): Promise<ProbedMessage> {
    return waitFor(() => this.messages.find(predicate), { timeoutMs: 30_000, ...options });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
