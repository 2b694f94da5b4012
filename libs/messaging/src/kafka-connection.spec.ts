import { logLevel } from 'kafkajs';
import { kafkajsInstallProblem, kafkajsLogLevel, kafkaSecurityOptions } from './kafka-connection';

describe('kafkajsLogLevel', () => {
  it('logs a broker error response, which the calling request also receives, as a warning', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Response CreateTopics(key: 19, version: 3)')).toBe('warn');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Response Metadata(key: 3, version: 6)')).toBe('warn');
  });

  it('keeps every other kafkajs error an error, and other levels as they are', () => {
    expect(kafkajsLogLevel(logLevel.ERROR, 'Connection', 'Connection timeout')).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded')).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, 'Connection', 'Response Fetch(key: 1, version: 11)')).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, 'Runner', 'Consumer has joined the group')).toBe('info');
  });
});

describe('kafkajsInstallProblem', () => {
  it('says nothing about kafkajs as the patch leaves it, with the native CRC-32C loaded', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's protocol modules are untyped CommonJS, reached on purpose
    const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as { native?: unknown };
    expect(kafkajsInstallProblem(crc32C)).toBeUndefined();
  });

  it('names the missing patch, and the JavaScript CRC fallback, in one line each', () => {
    expect(kafkajsInstallProblem({})).toMatch(/^kafkajs is not patched \(patches\/kafkajs\+2\.2\.4\.patch/);
    expect(kafkajsInstallProblem(Object.assign(() => 0, { native: false }))).toMatch(/@node-rs\/crc32 did not load/);
  });
});

describe('kafkaSecurityOptions', () => {
  it('connects in plaintext without authentication when neither TLS nor SASL is set', () => {
    expect(kafkaSecurityOptions({})).toEqual({});
  });

  it('turns TLS on with the system CAs when no PEM is given', () => {
    expect(kafkaSecurityOptions({ tls: {} })).toEqual({ ssl: true });
  });

  it('passes a private CA, and a client certificate with its key, as PEM text', () => {
    expect(kafkaSecurityOptions({ tls: { ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' } })).toEqual({
      ssl: { ca: ['CA-PEM'], cert: 'CERT-PEM', key: 'KEY-PEM' },
    });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('passes SASL %s with its credentials', (mechanism) => {
    expect(kafkaSecurityOptions({ sasl: { mechanism, username: 'flowline', password: 'pw' } })).toEqual({
      sasl: { mechanism, username: 'flowline', password: 'pw' },
    });
  });
});
