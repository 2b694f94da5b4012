/** Errors the sync agent acts on, each with its stable code (FlowlineError: code, retry flag, cause). */
import { FlowlineError } from '@flowline/errors';

/** A change no retry can apply (no key, an incomparable position, a field name the target refuses): dead-lettered. */
export class SyncChangeUnsupported extends FlowlineError {
  readonly code = 'SYNC_CHANGE_UNSUPPORTED';
  override readonly retryable = false;
}

/** An event on agent.sync that is not a `data.changed`: dead-lettered, since a rule routed it wrongly. */
export class SyncEventUnsupported extends FlowlineError {
  readonly code = 'SYNC_EVENT_UNSUPPORTED';
  override readonly retryable = false;
}

/** The stored document changed between reading and writing it (a concurrent redrive): the next attempt reads again. */
export class ReadModelConflict extends FlowlineError {
  readonly code = 'READ_MODEL_CONFLICT';
  override readonly retryable = true;
}
