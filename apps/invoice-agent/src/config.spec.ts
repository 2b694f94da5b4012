import { loadConfig } from '@flowline/service-runtime';
import { invoiceAgentConfig, modelApiKey } from './config';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(invoiceAgentConfig, env);
    return [];
  } catch (error) {
    return (error as { problems: { key: string; problem: string }[] }).problems.map((p) => `${p.key}: ${p.problem}`);
  }
};

describe('invoice agent config', () => {
  it('works with the local infrastructure by default: rules, 1000.00 EUR, 0.8', () => {
    const config = loadConfig(invoiceAgentConfig, {});
    expect(config).toMatchObject({
      PORT: 8084,
      INVOICE_EXTRACTOR: 'rules',
      INVOICE_MIN_CONFIDENCE: 0.8,
      CLAIM_CHECK_DIR: '.flowline/claim-checks',
    });
    expect(config.INVOICE_AUTO_APPROVE_LIMIT.map((limit) => `${limit.amount.toFixed(2)} ${limit.currency}`)).toEqual([
      '1000.00 EUR',
    ]);
  });

  it('reads one limit per currency, amount before or after the code', () => {
    const config = loadConfig(invoiceAgentConfig, { INVOICE_AUTO_APPROVE_LIMIT: '5000 EUR, USD 2500.50,400000 JPY' });
    expect(config.INVOICE_AUTO_APPROVE_LIMIT.map((limit) => `${limit.amount.toFixed()} ${limit.currency}`)).toEqual([
      '5000 EUR',
      '2500.5 USD',
      '400000 JPY',
    ]);
  });

  it('names the key of a bad limit, currency or confidence', () => {
    expect(problems({ INVOICE_AUTO_APPROVE_LIMIT: '5000 euros' })[0]).toMatch(
      /^INVOICE_AUTO_APPROVE_LIMIT: "5000 euros" is not/,
    );
    expect(problems({ INVOICE_AUTO_APPROVE_LIMIT: '1 EUR, 2 EUR' })[0]).toMatch(/EUR has two limits/);
    expect(problems({ INVOICE_DEFAULT_CURRENCY: 'XBT' })[0]).toMatch(/^INVOICE_DEFAULT_CURRENCY: an ISO 4217/);
    expect(problems({ INVOICE_MIN_CONFIDENCE: '1.5' })[0]).toMatch(/^INVOICE_MIN_CONFIDENCE:/);
  });

  it('needs the model’s URL and name when the model extracts, and one source of its key', () => {
    expect(problems({ INVOICE_EXTRACTOR: 'model' })).toEqual([
      expect.stringMatching(/^INVOICE_MODEL_URL: INVOICE_EXTRACTOR=model needs INVOICE_MODEL_URL/),
      expect.stringMatching(/^INVOICE_MODEL_NAME: INVOICE_EXTRACTOR=model needs INVOICE_MODEL_NAME/),
    ]);
    const both = {
      INVOICE_EXTRACTOR: 'model',
      INVOICE_MODEL_URL: 'http://llm/v1',
      INVOICE_MODEL_NAME: 'm',
      INVOICE_MODEL_API_KEY: 'k',
      INVOICE_MODEL_API_KEY_FILE: '/k',
    };
    expect(problems(both)).toEqual([
      expect.stringMatching(/^INVOICE_MODEL_API_KEY_FILE: set INVOICE_MODEL_API_KEY or/),
    ]);
  });

  it('reads the model key from its file, without the trailing newline', () => {
    const config = loadConfig(invoiceAgentConfig, { INVOICE_MODEL_API_KEY_FILE: '/run/secrets/key' });
    expect(modelApiKey(config, (path) => (path === '/run/secrets/key' ? 'sk-file\n' : ''))).toBe('sk-file');
    expect(modelApiKey(loadConfig(invoiceAgentConfig, { INVOICE_MODEL_API_KEY: 'sk-env' }))).toBe('sk-env');
  });
});
