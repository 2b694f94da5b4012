import { ConfigError, loadConfig } from '@flowline/service-runtime';
import { documentAgentConfig } from './config';

describe('document-agent config', () => {
  it('defaults to the claim-check folder and database the file-watcher uses, and bounded reads', () => {
    expect(loadConfig(documentAgentConfig, {})).toMatchObject({
      PORT: 8086,
      CLAIM_CHECK_DIR: '.flowline/claim-checks',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/flowline',
      DOCUMENT_MAX_BYTES: 25_000_000,
      DOCUMENT_MAX_PAGES: 100,
      DOCUMENT_TEXT_MAX_BYTES: 262_144,
      DOCUMENT_INVOICE_MIN_SCORE: 7,
    });
  });

  it('names the key of a bad value, with an example', () => {
    expect(() => loadConfig(documentAgentConfig, { DOCUMENT_MAX_PAGES: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(documentAgentConfig, { DOCUMENT_MAX_PAGES: '0' })).toThrow(/DOCUMENT_MAX_PAGES/);
    expect(() => loadConfig(documentAgentConfig, { DATABASE_URL: 'mysql://db/x' })).toThrow(/DATABASE_URL: must be a/);
    expect(() => loadConfig(documentAgentConfig, { DOCUMENT_INVOICE_MIN_SCORE: 'high' })).toThrow(
      /DOCUMENT_INVOICE_MIN_SCORE.*example: DOCUMENT_INVOICE_MIN_SCORE=7/,
    );
  });

  it('refuses a text bound an event could not carry through Kafka', () => {
    expect(() => loadConfig(documentAgentConfig, { DOCUMENT_TEXT_MAX_BYTES: String(2 * 1024 * 1024) })).toThrow(
      /DOCUMENT_TEXT_MAX_BYTES: at most 786432/,
    );
  });
});
