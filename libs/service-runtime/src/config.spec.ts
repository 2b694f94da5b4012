import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FlowlineError } from '@flowline/errors';
import { baseServiceConfig, configFields, ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives defaults that work with the local infrastructure', () => {
    const config = loadConfig(baseServiceConfig, {});
    expect(config).toMatchObject({
      PORT: 8080,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      LOG_LEVEL: 'info',
      FLOWLINE_TOPIC_PREFIX: '',
    });
  });

  it('names the key, the problem and an example when a value is bad', () => {
    let error: unknown;
    try {
      loadConfig(baseServiceConfig, { PORT: 'abc' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('"abc"');
    expect(message).toContain('example: PORT=8080');
  });

  it('reports every bad key at once', () => {
    expect(() =>
      loadConfig(baseServiceConfig, { PORT: '70000', KAFKA_BROKERS: 'nohostport', LOG_LEVEL: 'loud' }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.objectContaining({ key: 'PORT' }),
          expect.objectContaining({ key: 'KAFKA_BROKERS' }),
          expect.objectContaining({ key: 'LOG_LEVEL' }),
        ]),
      }),
    );
  });

  it('reads a YAML file named by FLOWLINE_CONFIG_FILE, with the environment taking precedence', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flowline-config-')), 'service.yaml');
    writeFileSync(file, 'PORT: 9001\nLOG_LEVEL: debug\n');
    const config = loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    expect(config.PORT).toBe(9001);
    expect(config.LOG_LEVEL).toBe('warn');
  });

  it('names FLOWLINE_CONFIG_FILE when the file cannot be read', () => {
    expect(() => loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: '/nonexistent/flowline.yaml' })).toThrow(
      /FLOWLINE_CONFIG_FILE: cannot read/,
    );
  });

  it('fails with CONFIG_INVALID, not retryable, keeping why the file could not be read as the cause', () => {
    let error: unknown;
    try {
      loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: '/nonexistent/flowline.yaml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false, name: 'ConfigError' });
    expect((error as ConfigError).describe().cause).toMatchObject({ code: 'ENOENT' });
  });

  it('names a bad secret key without repeating its value, and masks a password in a bad URL', () => {
    const schema = baseServiceConfig.extend({
      WEBHOOK_SECRET: z.string().min(32),
      AMQP_URL: configFields.url('amqp://127.0.0.1:5672', ['amqp', 'amqps']),
    });
    let message = '';
    try {
      loadConfig(schema, { WEBHOOK_SECRET: 'short-s3cr3t', AMQP_URL: 'http://guest:rabbit-pass@rabbitmq:5672' });
    } catch (error) {
      message = (error as ConfigError).message;
    }
    expect(message).toContain('WEBHOOK_SECRET');
    expect(message).toContain('AMQP_URL');
    expect(message).toContain('http://guest:[redacted]@rabbitmq:5672');
    expect(message).not.toContain('short-s3cr3t');
    expect(message).not.toContain('rabbit-pass');
  });
});
