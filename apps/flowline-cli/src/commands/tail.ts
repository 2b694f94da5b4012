import type { CommandContext, TopicReaderPort } from '../ports';
import { TailFilter, tailLine } from '../tail-line';

export interface TailOptions extends TailFilter {
  topics: readonly string[];
  json: boolean;
}

/** `flowline tail <topic...>`: decoded events as they arrive, until SIGINT/SIGTERM. */
export async function tailCommand(
  reader: Pick<TopicReaderPort, 'assertTopicsExist' | 'tail'>,
  options: TailOptions,
  context: CommandContext,
): Promise<void> {
  await reader.assertTopicsExist(options.topics);
  context.output.err(`tailing ${options.topics.join(', ')} from now on (Ctrl-C stops)\n`);
  await reader.tail({
    topics: options.topics,
    signal: context.signal,
    onRecord: (record) => {
      const line = tailLine(record, options, options.json);
      if (line !== undefined) context.output[line.stream](line.text);
    },
  });
}
