/**
 * The outputs of one consumed batch (non-transactional mode), handed to the publisher in
 * chunks while the batch is still being handled rather than all at its end: they are on the
 * wire while later messages are handled, and a batch's outputs do not all stay alive in
 * memory until it ends. The consumer commits a batch's offsets only after `flushed()`
 * resolved, i.e. after the broker acknowledged every output, so nothing is committed early.
 */
import type { EventPublisher, OutgoingMessage } from './event-publisher';

/** Outputs per chunk handed to the publisher while a batch is handled. */
export const STREAM_CHUNK_OUTPUTS = 250;

/**
 * The outputs of one batch, handed to the publisher in chunks as they are produced. A chunk
 * that fails is reported when the batch settles (`flushed`), never as an unhandled rejection;
 * the offsets are not committed then, so the messages are handled again.
 */
export class OutputStream {
  private unsent: OutgoingMessage[] = [];
  private sending: Promise<void>[] = [];

  constructor(private readonly publisher: Pick<EventPublisher, 'publishRecords'>) {}

  /** Adds a message's outputs; true when a chunk was just handed to the publisher. */
  add(outputs: readonly OutgoingMessage[]): boolean {
    for (const output of outputs) this.unsent.push(output);
    if (this.unsent.length < STREAM_CHUNK_OUTPUTS) return false;
    this.send();
    return true;
  }

  /** Resolves once every output added so far is acknowledged; rejects with the first failure. */
  async flushed(): Promise<void> {
    this.send();
    const sending = this.sending;
    this.sending = [];
    await Promise.all(sending);
  }

  private send(): void {
    if (this.unsent.length === 0) return;
    const chunk = this.publisher.publishRecords(this.unsent);
    chunk.catch(() => undefined);
    this.sending.push(chunk);
    this.unsent = [];
  }
}
