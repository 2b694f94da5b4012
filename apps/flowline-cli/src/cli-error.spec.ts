import { FlowlineError } from '@flowline/errors';
import { EXIT, InterruptedError, NotFoundError, UnreachableError, UsageError } from './cli-error';

describe('CLI errors', () => {
  it.each([
    [new UsageError('x'), 'USAGE', false, EXIT.usage],
    [new NotFoundError('x'), 'NOT_FOUND', false, EXIT.failure],
    [new UnreachableError('x'), 'UNREACHABLE', true, EXIT.failure],
    [new InterruptedError('x'), 'INTERRUPTED', false, EXIT.interrupted],
  ])('%s carries its own code, retry flag and exit code', (error, code, retryable, exitCode) => {
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error).toMatchObject({ code, retryable, exitCode, name: error.constructor.name });
  });

  it('keeps what could not be reached as the cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55432'), { code: 'ECONNREFUSED' });
    const error = new UnreachableError('cannot reach PostgreSQL at 127.0.0.1:55432/flowline', { cause: refused });
    expect(error.cause).toBe(refused);
    expect(error.describe().cause).toEqual({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:55432' });
  });
});
