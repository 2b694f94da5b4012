import { ConfigError, loadConfig } from '@flowline/service-runtime';
import { notifierConfig } from './config';

describe('notifier config', () => {
  it('defaults to the local RabbitMQ and the flowline.notifications exchange', () => {
    const config = loadConfig(notifierConfig, {});
    expect(config.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(config.NOTIFY_EXCHANGE).toBe('flowline.notifications');
  });

  it('names NOTIFY_EXCHANGE when the name is not an AMQP exchange name', () => {
    expect(() => loadConfig(notifierConfig, { NOTIFY_EXCHANGE: 'my exchange' })).toThrow(ConfigError);
    expect(() => loadConfig(notifierConfig, { NOTIFY_EXCHANGE: 'amq.topic' })).toThrow(/NOTIFY_EXCHANGE: .*reserved/);
  });

  it('names AMQP_URL for a URL that is not amqp(s), without repeating its password', () => {
    let message = '';
    try {
      loadConfig(notifierConfig, { AMQP_URL: 'http://user:s3cret@rabbit:5672' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('AMQP_URL: must be a amqp or amqps URL');
    expect(message).not.toContain('s3cret');
  });
});
