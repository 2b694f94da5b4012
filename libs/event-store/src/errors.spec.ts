import { FlowlineError } from '@flowline/errors';
import { InvalidArchivedRecord } from './errors';

describe('event store errors', () => {
  it('InvalidArchivedRecord carries its code and is not retryable (the archiver stops on it)', () => {
    const error = new InvalidArchivedRecord('offset "x" of agent.document/0 is not an integer');
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error).toMatchObject({ code: 'INVALID_ARCHIVED_RECORD', retryable: false, name: 'InvalidArchivedRecord' });
  });
});
