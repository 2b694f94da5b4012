import { ConfigError, loadConfig } from '@flowline/service-runtime';
import { emailAgentConfig } from './config';

describe('email-agent config', () => {
  it('defaults to the local classifier and the claim-check folder the file-watcher uses', () => {
    const config = loadConfig(emailAgentConfig, {});
    expect(config).toMatchObject({
      PORT: 8085,
      CLAIM_CHECK_STORE: 'folder',
      CLAIM_CHECK_DIR: '.flowline/claim-checks',
      EMAIL_MODEL_TIMEOUT_MS: 10_000,
      EMAIL_REPLY_SIGNATURE: 'Customer Service',
    });
    expect(config.EMAIL_MODEL_URL).toBeUndefined();
  });

  it('takes a model endpoint with its name', () => {
    const config = loadConfig(emailAgentConfig, {
      EMAIL_MODEL_URL: 'http://llm:4000/v1',
      EMAIL_MODEL_NAME: 'gpt-4o-mini',
      EMAIL_MODEL_API_KEY: 'sk-x',
    });
    expect(config).toMatchObject({ EMAIL_MODEL_URL: 'http://llm:4000/v1', EMAIL_MODEL_NAME: 'gpt-4o-mini' });
  });

  it('names EMAIL_MODEL_NAME when a model URL comes without it', () => {
    expect(() => loadConfig(emailAgentConfig, { EMAIL_MODEL_URL: 'http://llm:4000/v1' })).toThrow(
      /EMAIL_MODEL_NAME: EMAIL_MODEL_URL is set/,
    );
  });

  it('names the key of a bad store or URL', () => {
    expect(() => loadConfig(emailAgentConfig, { CLAIM_CHECK_STORE: 's3' })).toThrow(ConfigError);
    expect(() => loadConfig(emailAgentConfig, { CLAIM_CHECK_STORE: 's3' })).toThrow(/CLAIM_CHECK_STORE/);
    expect(() => loadConfig(emailAgentConfig, { EMAIL_MODEL_URL: 'ftp://llm/v1', EMAIL_MODEL_NAME: 'm' })).toThrow(
      /EMAIL_MODEL_URL/,
    );
  });
});
