import { FlowlineError } from '@flowline/errors';
import { formatIssue, RuleFileInvalid, RuleFileUnreadable, TransformNotApplicable } from './rule-errors';

describe('rule errors', () => {
  it('each class has its own stable code, is a FlowlineError and is not retryable', () => {
    const errors = [
      new RuleFileInvalid('r.yaml', [{ path: 'mode', message: 'required', line: 1 }]),
      new RuleFileUnreadable('r.yaml', { cause: new Error('gone') }),
      new TransformNotApplicable('slim', 'data is a string'),
    ];
    expect(errors.map((error) => [error.name, error.code, error.retryable, error instanceof FlowlineError])).toEqual([
      ['RuleFileInvalid', 'RULE_FILE_INVALID', false, true],
      ['RuleFileUnreadable', 'RULE_FILE_UNREADABLE', false, true],
      ['TransformNotApplicable', 'TRANSFORM_NOT_APPLICABLE', false, true],
    ]);
  });

  it('says the first problem and how many more, and keeps them all', () => {
    const error = new RuleFileInvalid('r.yaml', [
      { path: 'rules[0].targets', message: 'a rule needs at least one target', line: 4 },
      { path: '', message: 'YAML: bad' },
    ]);
    expect(error.message).toBe(
      'r.yaml: invalid rule file: rules[0].targets: a rule needs at least one target (line 4) (and 1 more)',
    );
    expect(error.issues.map(formatIssue)).toEqual([
      'rules[0].targets: a rule needs at least one target (line 4)',
      'YAML: bad',
    ]);
  });

  it('keeps the cause of an unreadable file', () => {
    const cause = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const error = new RuleFileUnreadable('r.yaml', { cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('r.yaml: cannot read the rule file: EACCES: permission denied');
  });
});
