import { FlowlineError } from '@flowline/errors';
import { describeError, InfraError } from './infra-error';

describe('InfraError', () => {
  it('carries the code it was thrown with and is not retryable', () => {
    const error = new InfraError('LOCK_TIMEOUT', 'another infraUp held the lock for more than 120 s');
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT', retryable: false, name: 'InfraError' });
  });

  it('keeps the failure underneath as its cause and shows it', () => {
    const spawnFailure = Object.assign(new Error('spawn java ENOENT'), { code: 'ENOENT' });
    const error = new InfraError('TOOL_MISSING', 'java not found on PATH', { cause: spawnFailure });
    expect(error.cause).toBe(spawnFailure);
    expect(error.describe()).toEqual({
      code: 'TOOL_MISSING',
      retryable: false,
      message: 'java not found on PATH',
      cause: { code: 'ENOENT', message: 'spawn java ENOENT' },
    });
    expect(describeError(error)).toBe('java not found on PATH');
  });
});
