import type { CommandContext, EventStorePort, TopicReaderPort } from '../ports';
import { renderStats, StatsReport, statsToJson } from '../render-stats';

export interface StatsOptions {
  since: Date;
  /** As the operator typed it (`1h`), for the title. */
  sinceText: string;
  json: boolean;
  /** FLOWLINE_TOPIC_PREFIX: when set, only topics carrying it are shown (a tenant's view). */
  topicPrefix: string;
}

/** `flowline stats`: events per type and topic, dead letters, hop latency, consumer lag. */
export async function statsCommand(
  store: Pick<EventStorePort, 'stats'>,
  reader: Pick<TopicReaderPort, 'consumerGroupLag'>,
  options: StatsOptions,
  { output, now }: CommandContext,
): Promise<void> {
  const window = { from: options.since, to: now() };
  const [stats, lag] = await Promise.all([store.stats(window), reader.consumerGroupLag()]);
  const ours = (row: { topic: string }): boolean => row.topic.startsWith(options.topicPrefix);
  const byTypeAndTopic = stats.byTypeAndTopic.filter(ours);
  const report: StatsReport = {
    window,
    // With a prefix, the total is that of the shown topics.
    total: options.topicPrefix === '' ? stats.total : byTypeAndTopic.reduce((sum, row) => sum + row.count, 0),
    byTypeAndTopic,
    deadLetters: stats.deadLetters.filter(ours),
    hops: stats.hops,
    consumerLag: lag.filter(ours),
  };
  output.out(options.json ? statsToJson(report) : renderStats(report, options.sinceText));
}
