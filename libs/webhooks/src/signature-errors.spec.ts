import { FlowlineError } from '@flowline/errors';
import {
  SIGNATURE_ERROR_CODES,
  SignatureInvalid,
  SignatureMalformed,
  SignatureMissing,
  TimestampOutOfTolerance,
  WebhookSignatureError,
} from './signature-errors';
import { StandardWebhookSecretInvalid } from './standard-webhook-secret';

describe('signature errors', () => {
  it.each([
    [SignatureMissing, 'SIGNATURE_MISSING'],
    [SignatureMalformed, 'SIGNATURE_MALFORMED'],
    [SignatureInvalid, 'SIGNATURE_INVALID'],
    [TimestampOutOfTolerance, 'TIMESTAMP_OUT_OF_TOLERANCE'],
  ] as const)('%p carries its own code %s, is not retryable, and is a WebhookSignatureError', (ErrorClass, code) => {
    const error = new ErrorClass('detail');
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect(error).toBeInstanceOf(FlowlineError);
    expect([error.code, error.retryable, error.name, error.message]).toEqual([code, false, ErrorClass.name, 'detail']);
  });

  it('gives every code exactly one class', () => {
    const codes = [SignatureMissing, SignatureMalformed, SignatureInvalid, TimestampOutOfTolerance].map(
      (ErrorClass) => new ErrorClass('').code,
    );
    expect([...codes].sort()).toEqual([...SIGNATURE_ERROR_CODES].sort());
  });

  it('reports a bad Standard Webhooks secret with its own code, not as a signature failure', () => {
    const error = new StandardWebhookSecretInvalid('bad');
    expect(error).toBeInstanceOf(FlowlineError);
    expect([error.code, error.retryable, error instanceof WebhookSignatureError]).toEqual([
      'WEBHOOK_SECRET_INVALID',
      false,
      false,
    ]);
  });
});
