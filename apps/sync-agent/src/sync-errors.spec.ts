import { ReadModelConflict, SyncChangeUnsupported, SyncEventUnsupported } from './sync-errors';

describe('sync agent errors', () => {
  it.each([
    [new SyncChangeUnsupported('x'), 'SYNC_CHANGE_UNSUPPORTED', false],
    [new SyncEventUnsupported('x'), 'SYNC_EVENT_UNSUPPORTED', false],
    [new ReadModelConflict('x'), 'READ_MODEL_CONFLICT', true],
  ])('%p carries its own code and retry flag', (error, code, retryable) => {
    expect(error).toMatchObject({ code, retryable, name: error.constructor.name });
  });
});
