/**
 * Topic names as operators type them. They are taken as given: FLOWLINE_TOPIC_PREFIX is
 * not added to them (a prefixed cluster's operator types `acme.agent.document`), so what
 * is printed is what is on the cluster. The prefix only scopes `stats` and shapes the hint
 * when a topic is not found.
 */
import { isDeadLetterTopic, topicNames } from '@flowline/event-schemas';
import { NotFoundError, UsageError } from './cli-error';

const LEGAL_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export function parseTopic(text: string, option = 'topic'): string {
  if (!LEGAL_TOPIC.test(text) || text === '.' || text === '..') {
    throw new UsageError(
      `${option} "${text}" is not a valid Kafka topic name (letters, digits, '.', '_' and '-', at most 249)`,
    );
  }
  return text;
}

/** `agent.document` and `agent.document.dlq` both name the dead-letter topic `agent.document.dlq`. */
export function deadLetterTopicFor(topic: string): string {
  return isDeadLetterTopic(topic) ? topic : topicNames().deadLetter(topic);
}

/** The error for topics Kafka does not have, with a hint when the prefix seems forgotten. */
export function unknownTopics(topics: readonly string[], brokers: string, prefix: string): NotFoundError {
  const names = topics.map((topic) => `"${topic}"`).join(', ');
  const unprefixed = prefix === '' ? undefined : topics.find((topic) => !topic.startsWith(prefix));
  const hint = unprefixed === undefined ? '' : ` (topics are taken as given: did you mean "${prefix}${unprefixed}"?)`;
  return new NotFoundError(`no topic${topics.length === 1 ? '' : 's'} ${names} in Kafka at ${brokers}${hint}`);
}
