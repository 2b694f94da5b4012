import { FlowlineError } from '@flowline/errors';
import { EventDataInvalid, NotACloudEvent, SchemaUnknown } from './errors';

describe('event decoding errors', () => {
  it.each([
    [new NotACloudEvent('x'), 'NOT_A_CLOUDEVENT'],
    [new SchemaUnknown('x'), 'SCHEMA_UNKNOWN'],
    [new EventDataInvalid('x'), 'EVENT_DATA_INVALID'],
  ])('%s carries its own code and is never retryable', (error, code) => {
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe(error.constructor.name);
  });

  it('keeps what the schema said as its cause', () => {
    const issue = new Error('amount: expected number');
    const error = new EventDataInvalid('invoice.received v1 data does not match its schema', { cause: issue });
    expect(error.cause).toBe(issue);
    expect(error.describe().cause).toEqual({ message: 'amount: expected number' });
  });
});
