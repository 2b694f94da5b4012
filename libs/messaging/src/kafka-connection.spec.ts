import { logLevel } from 'kafkajs';
import { kafkajsLogLevel } from './kafka-connection';

describe('kafkajsLogLevel', () => {
  it('logs a broker error response, which the calling request also receives, as a warning', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Response CreateTopics(key: 19, version: 3)')).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Response Metadata(key: 3, version: 6)')).toBe('warn');
  });

  it('keeps every other kafkajs error an error, and other levels as they are', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Connection timeout')).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded')).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, 'Connection', 'Response Fetch(key: 1, version: 11)')).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, 'Runner', 'Consumer has joined the group')).toBe('info');
  });
});
