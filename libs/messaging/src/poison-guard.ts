/**
 * Poison-pill protection: a message whose handling crashes the process (an abort, an
 * out-of-memory kill) would otherwise be redelivered and crash it again forever.
 *
 * Before the handler runs on a message that may have crashed us before, the runtime
 * commits that message's own offset (not the next one) with a marker in the commit's
 * metadata: `{"offset":"42","starts":2}`. If the process dies while handling it, the
 * next owner of the partition finds the marker at the committed offset and knows how
 * many handler starts never finished. After `maxStarts` such starts the message goes to
 * the dead-letter topic as a PoisonPill, and the partition moves on.
 *
 * Markers are written only when needed: at the first batch after a partition is assigned
 * (the previous owner may have crashed) and message by message while a crash is being
 * pinned down. In steady state a batch costs one ordinary commit.
 */
export interface PoisonMarker {
  offset: string;
  starts: number;
}

export function formatMarker(marker: PoisonMarker): string {
  return JSON.stringify(marker);
}

export function parseMarker(metadata: string | null | undefined): PoisonMarker | undefined {
  if (metadata === null || metadata === undefined || metadata === '') return undefined;
  try {
    const parsed = JSON.parse(metadata) as Partial<PoisonMarker>;
    if (typeof parsed.offset === 'string' && typeof parsed.starts === 'number')
      return { offset: parsed.offset, starts: parsed.starts };
  } catch {
    // someone else's metadata: not ours
  }
  return undefined;
}

export type FirstMessageDecision =
  /** No sign of a crash: handle normally (after writing a marker for this first message). */
  | { kind: 'normal'; marker: PoisonMarker }
  /** The previous handler start(s) of this message never finished: handle carefully, marker per message. */
  | { kind: 'careful'; marker: PoisonMarker }
  /** It crashed the process too often: dead-letter it. */
  | { kind: 'poison'; starts: number };

/** What to do with the first message of a partition we were just assigned. */
export function decideFirstMessage(
  committed: PoisonMarker | undefined,
  offset: string,
  maxStarts: number,
): FirstMessageDecision {
  const previousStarts = committed?.offset === offset ? committed.starts : 0;
  if (previousStarts >= maxStarts) return { kind: 'poison', starts: previousStarts };
  const marker = { offset, starts: previousStarts + 1 };
  return previousStarts > 0 ? { kind: 'careful', marker } : { kind: 'normal', marker };
}
