/**
 * Unique names per test, so tests run in parallel and never see each other's leftovers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function uniqueName(label: string): string {
  return `${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A FLOWLINE_TOPIC_PREFIX that isolates one test's topics on a shared broker. */
export function uniqueTopicPrefix(label = 'test'): string {
  return `${uniqueName(label)}.`;
}

export function uniqueDirectory(label = 'flowline-test'): Promise<string> {
  return mkdtemp(join(tmpdir(), `${label}-`));
}
