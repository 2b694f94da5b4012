import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { MESSAGING_SYSTEM_KAFKA, MessagingAttribute, MessagingOperation } from './messaging-attributes';

describe('messaging attribute names', () => {
  it('match the installed OpenTelemetry semantic conventions', () => {
    expect(MessagingAttribute).toEqual({
      system: semconv.ATTR_MESSAGING_SYSTEM,
      destinationName: semconv.ATTR_MESSAGING_DESTINATION_NAME,
      destinationPartitionId: semconv.ATTR_MESSAGING_DESTINATION_PARTITION_ID,
      kafkaOffset: semconv.ATTR_MESSAGING_KAFKA_OFFSET,
      kafkaMessageKey: semconv.ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
      messageId: semconv.ATTR_MESSAGING_MESSAGE_ID,
      consumerGroupName: semconv.ATTR_MESSAGING_CONSUMER_GROUP_NAME,
      operationType: semconv.ATTR_MESSAGING_OPERATION_TYPE,
      operationName: semconv.ATTR_MESSAGING_OPERATION_NAME,
      batchMessageCount: semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
    });
    expect(MESSAGING_SYSTEM_KAFKA).toBe(semconv.MESSAGING_SYSTEM_VALUE_KAFKA);
    expect(MessagingOperation).toEqual({
      send: semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      process: semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    });
  });
});
