/**
 * A bound on the request bodies the gateway holds at once. Each body is limited (413), but
 * nothing limited how many arrive together: an accepted body lives several times over until
 * Kafka acknowledges it (the bytes, the text, the parsed payload, the encoded record), about
 * 6 MB per 1 MB body, so 50 concurrent full-size webhooks added ~280 MB (bench:hostile) and
 * a few hundred would exhaust the process. Bytes are counted as they arrive (a slow client
 * holds only what it sent) and released when the answer went out; a chunk that would pass the
 * budget stops the read and is answered 503 with Retry-After: back-pressure, not buffering.
 */
export class BodyBudget {
  private reserved = 0;

  constructor(readonly maxBytes: number) {}

  /**
   * Reserves room for `bytes` more; false when that would pass the budget. While nothing is
   * held anything fits, so a budget below one body cannot refuse everything.
   */
  tryReserve(bytes: number): boolean {
    if (this.reserved > 0 && this.reserved + bytes > this.maxBytes) return false;
    this.reserved += bytes;
    return true;
  }

  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
  }

  get reservedBytes(): number {
    return this.reserved;
  }
}
