import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from '@flowline/event-schemas';
import { isRetryable, NonRetryableError, PoisonPill, PublishTimeout, RetryableError } from './errors';

describe('messaging errors', () => {
  it.each([
    [new RetryableError('x'), 'RETRYABLE', true],
    [new NonRetryableError('x'), 'NON_RETRYABLE', false],
    [new PoisonPill('x'), 'POISON_PILL', false],
    [new PublishTimeout('x'), 'PUBLISH_TIMEOUT', true],
  ])('%s carries its own code and retry flag', (error, code, retryable) => {
    expect(error.code).toBe(code);
    expect(isRetryable(error)).toBe(retryable);
    expect(error).toBeInstanceOf(Error);
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
