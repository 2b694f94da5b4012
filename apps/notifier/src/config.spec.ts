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

  it("defaults the outbound webhooks to Svix's schedule, 15 s timeouts and public addresses only", () => {
    const config = loadConfig(notifierConfig, {});
    expect(config.NOTIFY_WEBHOOK_RETRY_SCHEDULE).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(config.NOTIFY_WEBHOOK_TIMEOUT_MS).toBe(15_000);
    expect([...config.NOTIFY_WEBHOOK_ALLOWED_NETWORKS]).toEqual([]);
  });

  it('reads a short schedule and allowed address kinds, and names the key of a bad one', () => {
    const config = loadConfig(notifierConfig, {
      NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0, 200ms, 1s',
      NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback, private',
    });
    expect(config.NOTIFY_WEBHOOK_RETRY_SCHEDULE).toEqual([0, 200, 1_000]);
    expect([...config.NOTIFY_WEBHOOK_ALLOWED_NETWORKS]).toEqual(['loopback', 'private']);
    expect(() => loadConfig(notifierConfig, { NOTIFY_WEBHOOK_RETRY_SCHEDULE: '0, soon' })).toThrow(
      /NOTIFY_WEBHOOK_RETRY_SCHEDULE: "soon" is not a duration/,
    );
    expect(() => loadConfig(notifierConfig, { NOTIFY_WEBHOOK_ALLOWED_NETWORKS: 'loopback,anything' })).toThrow(
      /NOTIFY_WEBHOOK_ALLOWED_NETWORKS: unknown kind "anything": use loopback, private, link-local/,
    );
  });
});
