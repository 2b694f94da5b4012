import { EmailContentUnsupported, EmailMalformed, ModelAnswerInvalid, ModelUnavailable } from './email-errors';

describe('email agent errors', () => {
  it.each([
    [new EmailMalformed('x'), 'EmailMalformed', 'EMAIL_MALFORMED', false],
    [new EmailContentUnsupported('x'), 'EmailContentUnsupported', 'EMAIL_CONTENT_UNSUPPORTED', false],
    [new ModelUnavailable('x'), 'ModelUnavailable', 'MODEL_UNAVAILABLE', true],
    [new ModelAnswerInvalid('x'), 'ModelAnswerInvalid', 'MODEL_ANSWER_INVALID', false],
  ])('%s carries its own class name, code and retry flag', (error, name, code, retryable) => {
    expect(error).toMatchObject({ name, code, retryable });
  });
});
