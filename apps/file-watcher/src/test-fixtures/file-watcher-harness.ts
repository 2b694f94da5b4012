/**
 * Runs the file-watcher in process against the real Kafka and PostgreSQL (a scratch database
 * per test file), on a folder and a claim-check folder of its own per test.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowlineEvent } from '@flowline/event-schemas';
import { topicNames } from '@flowline/event-schemas';
import { startServiceUnderTest, uniqueDirectory, type ServiceUnderTest } from '@flowline/testing';
import { fileWatcher } from '../service';

export interface WatcherUnderTest {
  running: ServiceUnderTest;
  folder: string;
  claims: string;
  /** Events of `file.uploaded` data read from ingress.file so far. */
  events(): FlowlineEvent<'file.uploaded'>[];
  /** Waits for the event of a file (by its path inside the folder). */
  eventOf(relativePath: string, timeoutMs?: number): Promise<FlowlineEvent<'file.uploaded'>>;
  /** Log lines with this message (and, if given, this relative path). */
  logsOf(message: string, relativePath?: string): Record<string, unknown>[];
  waitForLog(message: string, relativePath?: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** A metric's value from /metrics (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startWatcher(options: {
  databaseUrl: string;
  folder?: string;
  claims?: string;
  env?: Record<string, string>;
  prefix?: string;
}): Promise<WatcherUnderTest> {
  const folder = options.folder ?? join(await uniqueDirectory('file-watcher'), 'in');
  await mkdir(folder, { recursive: true });
  const claims = options.claims ?? join(await uniqueDirectory('file-watcher-claims'), 'claims');
  const running = await startServiceUnderTest(fileWatcher, {
    env: {
      DATABASE_URL: options.databaseUrl,
      FILE_WATCH_DIR: folder,
      FILE_WATCH_NAME: 'inbox',
      CLAIM_CHECK_DIR: claims,
      FILE_WATCH_STABILITY_MS: '300',
      FILE_WATCH_FOLDER_CHECK_MS: '200',
      ...(options.prefix === undefined ? {} : { FLOWLINE_TOPIC_PREFIX: options.prefix }),
      ...options.env,
    },
    outputs: (prefix) => [topicNames(prefix).ingressFile],
  });
  const events = (): FlowlineEvent<'file.uploaded'>[] =>
    (running.probe?.messages ?? []).flatMap((message) =>
      message.event === undefined ? [] : [message.event as FlowlineEvent<'file.uploaded'>],
    );
  const logsOf = (message: string, relativePath?: string): Record<string, unknown>[] =>
    running
      .logs()
      .filter((line) => line['msg'] === message && (relativePath === undefined || line['path'] === relativePath));
  return {
    running,
    folder,
    claims,
    events,
    eventOf: async (relativePath, timeoutMs = 30_000) => {
      const message = await running.probe!.waitFor(
        (candidate) => (candidate.event?.data as { relativePath?: string } | undefined)?.relativePath === relativePath,
        { timeoutMs, description: `the event of ${relativePath}` },
      );
      return message.event as FlowlineEvent<'file.uploaded'>;
    },
    logsOf,
    waitForLog: (message, relativePath, timeoutMs = 30_000) =>
      running.waitForLog(
        (line) => line['msg'] === message && (relativePath === undefined || line['path'] === relativePath),
        {
          timeoutMs,
          description: `the log line "${message}"${relativePath === undefined ? '' : ` for ${relativePath}`}`,
        },
      ),
    metric: async (name, labels = {}) => {
      const text = await (await fetch(running.url('/metrics'))).text();
      const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
      const line = text
        .split('\n')
        .find((row) => row.startsWith(`${name}{`) && wanted.every((label) => row.includes(label)));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
  };
}

/** Content no other test (or earlier run) has written: the dedupe table is shared by the file's tests. */
export function uniqueContent(label: string, bytes = 64): Buffer {
  return Buffer.concat([Buffer.from(`${label} `), randomBytes(bytes)]);
}

export async function drop(folder: string, relativePath: string, content: Buffer | string): Promise<void> {
  const path = join(folder, relativePath);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}
