import { runCli } from './cli';

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

describe('flowline CLI', () => {
  it('answers --help with every command and exit code 0', () => {
    const result = run('--help');
    expect(result.code).toBe(0);
    for (const command of ['trace', 'tail', 'dlq list', 'dlq redrive', 'replay', 'stats']) {
      expect(result.out).toContain(command);
    }
  });

  it('shows usage and fails when no command is given', () => {
    expect(run()).toMatchObject({ code: 2, out: expect.stringContaining('Usage: flowline') });
  });

  it('names an unknown command in one line and exits non-zero', () => {
    const result = run('explode');
    expect(result.code).toBe(2);
    expect(result.err).toBe('flowline: unknown command "explode" (see flowline --help)\n');
  });
});
