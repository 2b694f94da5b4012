export {
  errorCode,
  errorDescription,
  FlowlineError,
  isDependencyUnavailable,
  isPostgresShuttingDown,
  isRetryable,
} from './flowline-error';
export type { ErrorDescription, FlowlineErrorDescription, FlowlineErrorOptions } from './flowline-error';
