import { FlowlineError } from '@flowline/errors';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from '@flowline/event-schemas';
import {
  BrokerUnavailable,
  DependencyUnavailable,
  isDependencyUnavailable,
  isRetryable,
  NonRetryableError,
  PoisonPill,
  PublishTimeout,
  RetryableError,
  UnknownTopicError,
} from './errors';

describe('messaging errors', () => {
  it.each([
    [new RetryableError('x'), 'RETRYABLE', true],
    [new NonRetryableError('x'), 'NON_RETRYABLE', false],
    [new PoisonPill('x'), 'POISON_PILL', false],
    [new PublishTimeout('x'), 'PUBLISH_TIMEOUT', true],
    [new UnknownTopicError(['x']), 'UNKNOWN_TOPIC', false],
    [new BrokerUnavailable('x'), 'BROKER_UNAVAILABLE', true],
    [new DependencyUnavailable('x'), 'DEPENDENCY_UNAVAILABLE', true],
  ])('%s carries its own code and retry flag', (error, code, retryable) => {
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(isRetryable(error)).toBe(retryable);
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error.name).toBe(error.constructor.name);
  });

  it('says a dependency is unavailable for the two classes that mean it, and not for a transient failure', () => {
    expect(isDependencyUnavailable(new DependencyUnavailable('RabbitMQ is not connected'))).toBe(true);
    expect(isDependencyUnavailable(new BrokerUnavailable('cannot reach Kafka'))).toBe(true);
    expect(isDependencyUnavailable(new RetryableError('inventory timed out'))).toBe(false);
  });

  it('keeps the failure underneath as its cause and shows it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
    const error = new BrokerUnavailable('cannot reach Kafka at 127.0.0.1:9092', { cause: refused });
    expect(error.cause).toBe(refused);
    expect(error.describe()).toEqual({
      code: 'BROKER_UNAVAILABLE',
      retryable: true,
      message: 'cannot reach Kafka at 127.0.0.1:9092',
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9092' },
    });
  });

  it('names every unknown topic', () => {
    expect(new UnknownTopicError(['a', 'b']).message).toBe('unknown topics: "a", "b"');
  });

  it('never retries an event that cannot be decoded', () => {
    for (const error of [new SchemaUnknown('x'), new EventDataInvalid('x'), new NotACloudEvent('x')]) {
      expect(isRetryable(error)).toBe(false);
    }
  });

  it('retries an unknown error (bounded by the policy)', () => {
    expect(isRetryable(new TypeError('boom'))).toBe(true);
    expect(isRetryable('a string')).toBe(true);
  });
});
