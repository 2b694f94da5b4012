import { inspect } from 'node:util';
import {
  errorCode,
  errorDescription,
  FlowlineError,
  isDependencyUnavailable,
  isPostgresShuttingDown,
  isRetryable,
} from './flowline-error';

class DependencyDown extends FlowlineError {
  readonly code = 'DEPENDENCY_DOWN';
  override readonly retryable = true;
}

class BadInput extends FlowlineError {
  readonly code = 'BAD_INPUT';
}

class Flexible extends FlowlineError {
  readonly code = 'FLEXIBLE';
}

describe('FlowlineError', () => {
  it('carries its class code, its retry flag and its class name', () => {
    const down = new DependencyDown('inventory timed out');
    expect(down).toBeInstanceOf(Error);
    expect(down).toMatchObject({ code: 'DEPENDENCY_DOWN', retryable: true, name: 'DependencyDown' });
    expect(String(down)).toBe('DependencyDown: inventory timed out');
    expect(down.stack).toMatch(/^DependencyDown: inventory timed out\n/);
  });

  it('is not retryable unless its class or its thrower says so', () => {
    expect(new BadInput('no amount').retryable).toBe(false);
    expect(new Flexible('maybe', { retryable: true }).retryable).toBe(true);
  });

  it('keeps its cause and shows it in its description, its JSON and its inspection', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = new DependencyDown('cannot store the invoice', {
      cause: new BadInput('row refused', { cause: socket }),
    });
    expect(error.cause).toBeInstanceOf(BadInput);
    const described = {
      code: 'DEPENDENCY_DOWN',
      retryable: true,
      message: 'cannot store the invoice',
      cause: {
        code: 'BAD_INPUT',
        retryable: false,
        message: 'row refused',
        cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
      },
    };
    expect(error.describe()).toEqual(described);
    expect(JSON.parse(JSON.stringify(error))).toEqual(described);
    expect(inspect(error)).toContain('[cause]: BadInput: row refused');
  });

  it('describes a cause that is not an error, and has no cause key without one', () => {
    expect(new BadInput('x', { cause: 'a reason' }).describe()).toEqual({
      code: 'BAD_INPUT',
      retryable: false,
      message: 'x',
      cause: { message: 'a reason' },
    });
    expect(new BadInput('x').describe()).not.toHaveProperty('cause');
  });

  it('stops following a cycle of causes', () => {
    const first = new BadInput('first');
    const second = new BadInput('second', { cause: first });
    Object.defineProperty(first, 'cause', { value: second });
    let depth = 0;
    for (let cause = first.describe().cause; cause !== undefined; cause = cause.cause) depth += 1;
    expect(depth).toBeLessThan(10);
  });
});

describe('errorCode', () => {
  it('gives a FlowlineError’s code, or any error’s string code, else nothing', () => {
    expect(errorCode(new BadInput('x'))).toBe('BAD_INPUT');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCode(Object.assign(new Error('x'), { code: 42 }))).toBeUndefined();
    expect(errorCode(new Error('x'))).toBeUndefined();
    expect(errorCode('boom')).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it('follows the error’s own flag', () => {
    expect(isRetryable(new DependencyDown('x'))).toBe(true);
    expect(isRetryable(new BadInput('x'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: false }))).toBe(false);
  });

  it('retries what nobody classified (callers bound the attempts)', () => {
    expect(isRetryable(new TypeError('boom'))).toBe(true);
    expect(isRetryable('a string')).toBe(true);
    expect(isRetryable(undefined)).toBe(true);
  });
});

describe('errorDescription', () => {
  it('describes any thrown value, with what it carries', () => {
    expect(errorDescription(new BadInput('x', { cause: 'why' }))).toEqual({
      code: 'BAD_INPUT',
      retryable: false,
      message: 'x',
      cause: { message: 'why' },
    });
    expect(errorDescription(new TypeError('boom'))).toEqual({ message: 'boom' });
    expect(errorDescription({ reason: 'odd' })).toEqual({ message: '{"reason":"odd"}' });
  });
});

describe('isPostgresShuttingDown', () => {
  it('knows the shutdown SQLSTATEs only, not other unavailability', () => {
    const withCode = (code: string): Error => Object.assign(new Error(code), { code });
    expect(['57P01', '57P02', '57P03'].map((code) => isPostgresShuttingDown(withCode(code)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(['08006', '53300', 'ECONNREFUSED'].map((code) => isPostgresShuttingDown(withCode(code)))).toEqual([
      false,
      false,
      false,
    ]);
    expect(isPostgresShuttingDown(undefined)).toBe(false);
  });
});

describe('isDependencyUnavailable', () => {
  const withCode = (code: string): Error => Object.assign(new Error(`failed: ${code}`), { code });
  const named = (name: string): Error => Object.assign(new Error('no server'), { name });

  it('knows a peer that is not there: refused, reset, timed out, unreachable, not resolvable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
      expect([code, isDependencyUnavailable(withCode(code))]).toEqual([code, true]);
  });

  it('knows PostgreSQL shutting down, restarting or refusing connections, and not a protocol violation', () => {
    for (const code of ['08006', '08001', '08003', '57P01', '57P02', '57P03', '53300'])
      expect([code, isDependencyUnavailable(withCode(code))]).toEqual([code, true]);
    expect(isDependencyUnavailable(withCode('08P01'))).toBe(false);
    expect(isDependencyUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDependencyUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(
      true,
    );
  });

  it("knows the MongoDB driver's network and server-selection errors", () => {
    expect(isDependencyUnavailable(named('MongoNetworkError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongoServerSelectionError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongoServerError'))).toBe(false);
  });

  it('finds the unavailable dependency among the causes, and nothing in errors about the input', () => {
    const wrapped = new DependencyDown('could not record the decision', { cause: withCode('57P01') });
    expect(isDependencyUnavailable(wrapped)).toBe(true);
    expect(
      isDependencyUnavailable(
        Object.assign(new Error('RabbitMQ is not connected'), { code: 'DEPENDENCY_UNAVAILABLE' }),
      ),
    ).toBe(true);
    expect(isDependencyUnavailable(new BadInput('total does not add up'))).toBe(false);
    expect(isDependencyUnavailable(withCode('23505'))).toBe(false);
    expect(isDependencyUnavailable(new Error('Connection terminated by a typo in the data'))).toBe(false);
    expect(isDependencyUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDependencyUnavailable(undefined)).toBe(false);
  });
});
