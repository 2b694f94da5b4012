export { errorCode, errorDescription, FlowlineError, isRetryable } from './flowline-error';
export type { ErrorDescription, FlowlineErrorDescription, FlowlineErrorOptions } from './flowline-error';
