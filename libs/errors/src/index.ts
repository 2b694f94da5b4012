export { errorCode, errorDescription, FlowlineError, isDependencyUnavailable, isRetryable } from './flowline-error';
export type { ErrorDescription, FlowlineErrorDescription, FlowlineErrorOptions } from './flowline-error';
