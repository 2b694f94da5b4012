/**
 * The one place that builds a kafkajs client. Apps never import kafkajs: they use the
 * publisher, consumer and admin functions of this lib, so the client can be swapped
 * (kafkajs is no longer actively maintained).
 */
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from '@flowline/telemetry';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafkaClient(settings: KafkaSettings): Kafka {
  const log = settings.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    // kafkajs is chatty at INFO (every join, every connect); keep its warnings and errors.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, namespace, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[LEVEL_NAMES[level] ?? 'info']({ ...fields, namespace, kafka_level: label }, message);
      },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
