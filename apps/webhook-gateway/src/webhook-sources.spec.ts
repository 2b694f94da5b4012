import { ConfigError, loadConfig } from '@flowline/service-runtime';
import { gatewayConfig } from './config';
import { resolveWebhookSources, webhookSourceSpecs, type SecretReaders } from './webhook-sources';

const configWith = (sources: unknown[]) => gatewayConfig.parse({ sources });
const noFiles: SecretReaders['readFile'] = (path) => {
  throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
};

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(({ key, problem }) => `${key}: ${problem}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const GITHUB = { name: 'github', scheme: 'github', secrets: [{ env: 'GITHUB_WEBHOOK_SECRET' }] };

describe('webhookSourceSpecs', () => {
  it('serves the unsigned local source `sample` when no source is configured', () => {
    const [sample, ...rest] = webhookSourceSpecs(gatewayConfig.parse({}));
    expect(rest).toEqual([]);
    expect(sample).toMatchObject({ name: 'sample', scheme: { name: 'none' }, kind: 'webhook' });
  });

  it('reads a YAML sources list with each scheme and its defaults', () => {
    const specs = webhookSourceSpecs(
      configWith([
        { ...GITHUB, eventType: { header: 'X-GitHub-Event' } },
        { name: 'stripe', scheme: 'stripe', secrets: [{ file: '/s/stripe' }], eventType: { jsonField: 'type' } },
        { name: 'billing', scheme: 'standard-webhooks', secrets: [{ file: '/s/billing' }], toleranceSeconds: 60 },
        {
          name: 'partner',
          scheme: 'hmac-sha256',
          secrets: [{ env: 'PARTNER_SECRET' }],
          signature: { header: 'X-Signature', prefix: 'sha256=', encoding: 'hex' },
          rateLimit: { perMinute: 600, burst: 50 },
          maxBodyBytes: 65536,
          deliveryId: { headers: ['X-Request-Id'] },
        },
        { name: 'inbound-mail', kind: 'email', scheme: 'standard-webhooks', secrets: [{ env: 'MAIL_SECRET' }] },
      ]),
    );
    expect(specs.map((s) => [s.name, s.scheme.name, s.kind])).toEqual([
      ['github', 'github', 'webhook'],
      ['stripe', 'stripe', 'webhook'],
      ['billing', 'standard-webhooks', 'webhook'],
      ['partner', 'hmac-sha256', 'webhook'],
      ['inbound-mail', 'standard-webhooks', 'email'],
    ]);
    const [github, stripe, billing, partner, mail] = specs;
    expect(github).toMatchObject({
      eventType: { from: 'header', header: 'X-GitHub-Event', prefix: 'github' },
      deliveryId: { headers: ['x-github-delivery'] },
      rateLimit: { perMinute: 100, burst: 100 },
      toleranceSeconds: 300,
      maxBodyBytes: 1_000_000,
    });
    expect(stripe).toMatchObject({ eventType: { from: 'jsonField', path: 'type', prefix: 'stripe' } });
    expect(stripe?.deliveryId).toEqual({ jsonField: 'id', headers: ['idempotency-key'] });
    expect(billing).toMatchObject({ toleranceSeconds: 60, deliveryId: { headers: ['webhook-id', 'svix-id'] } });
    expect(partner).toMatchObject({
      scheme: { name: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=', encoding: 'hex' },
      rateLimit: { perMinute: 600, burst: 50 },
      maxBodyBytes: 65536,
      deliveryId: { headers: ['X-Request-Id'] },
    });
    expect(mail).toMatchObject({ eventType: { from: 'default' }, mimeFields: ['email', 'body-mime'] });
  });

  it('names the place of every problem', () => {
    expect(
      problemsOf(() =>
        webhookSourceSpecs(
          configWith([
            GITHUB,
            { name: 'gitlab', scheme: 'gitlab', secrets: [] },
            { name: 'open', scheme: 'none' },
            { name: 'nosecret', scheme: 'stripe' },
            { ...GITHUB, secrets: [{ value: 'inline-secret' }] },
            { name: 'typo', scheme: 'none', allowUnsigned: true, ratelimit: { perMinute: 5 } },
            { name: 'Bad Name', scheme: 'none', allowUnsigned: true },
            { name: 'mail', kind: 'email', scheme: 'none', allowUnsigned: true, eventType: { fixed: 'mail.in' } },
            { name: 'claims', scheme: 'none', allowUnsigned: true, eventType: { fixed: 'invoice.received' } },
          ]),
        ),
      ),
    ).toEqual([
      'sources[1].scheme: scheme is one of github, stripe, standard-webhooks, hmac-sha256, none',
      'sources[2].allowUnsigned: scheme none accepts anyone’s requests: set allowUnsigned: true to mean it',
      'sources[3].secrets: scheme stripe needs at least one secret',
      'sources[4].secrets[0]: a secret is { env: VARIABLE_NAME } or { file: /path/to/secret } (never the value itself)',
      expect.stringMatching(/^sources\[5\]: Unrecognized key: "ratelimit"/),
      'sources[6].name: source names are lower-case letters, digits and -',
      'sources[7].eventType: an email source always emits email.incoming',
      expect.stringMatching(/^sources\[8\]\.eventType\.fixed: invoice\.received is a catalogue type/),
    ]);
  });

  it('refuses two sources with one name, and an empty list', () => {
    expect(problemsOf(() => webhookSourceSpecs(configWith([GITHUB, GITHUB])))).toEqual([
      'sources[1].name: "github" is also sources[0]',
    ]);
    expect(problemsOf(() => webhookSourceSpecs(configWith([])))).toEqual([
      'sources: the list is empty: no source to accept',
    ]);
  });

  it('configures one source from the environment alone', () => {
    const config = loadConfig(gatewayConfig, {
      WEBHOOK_SOURCE_NAME: 'partner',
      WEBHOOK_SCHEME: 'hmac-sha256',
      WEBHOOK_SECRETS: 'new-secret, old-secret',
      WEBHOOK_SIGNATURE_HEADER: 'X-Partner-Signature',
      WEBHOOK_SIGNATURE_ENCODING: 'base64',
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '30',
    });
    const [source] = resolveWebhookSources(webhookSourceSpecs(config), { env: {}, readFile: noFiles });
    expect(source).toMatchObject({
      name: 'partner',
      scheme: { name: 'hmac-sha256', header: 'X-Partner-Signature', prefix: '', encoding: 'base64' },
      secrets: ['new-secret', 'old-secret'],
      rateLimit: { perMinute: 30, burst: 30 },
    });
  });

  it('says which key is wrong for a source configured by environment', () => {
    expect(
      problemsOf(() =>
        webhookSourceSpecs(loadConfig(gatewayConfig, { WEBHOOK_SOURCE_NAME: 'x', WEBHOOK_SCHEME: 'github' })),
      ),
    ).toEqual(['WEBHOOK_SECRET, WEBHOOK_SECRETS or WEBHOOK_SECRET_FILE: scheme github needs at least one secret']);
    expect(
      problemsOf(() =>
        webhookSourceSpecs(loadConfig(gatewayConfig, { WEBHOOK_SOURCE_NAME: 'x', WEBHOOK_SCHEME: 'none' })),
      ),
    ).toEqual(['WEBHOOK_ALLOW_UNSIGNED: scheme none accepts anyone’s requests: set allowUnsigned: true to mean it']);
    expect(
      problemsOf(() => webhookSourceSpecs(gatewayConfig.parse({ sources: [GITHUB], WEBHOOK_SOURCE_NAME: 'other' }))),
    ).toEqual([expect.stringMatching(/^WEBHOOK_SOURCE_NAME: set either the sources list/)]);
  });

  it('refuses the replaced WEBHOOK_SOURCES with a pointer to the new keys', () => {
    expect(() => loadConfig(gatewayConfig, { WEBHOOK_SOURCES: 'github' })).toThrow(
      /WEBHOOK_SOURCES: WEBHOOK_SOURCES is no longer read: list sources .* under sources: in the YAML config file/,
    );
  });
});

describe('resolveWebhookSources', () => {
  it('reads secrets from the environment and from files (one secret per line, for rotation)', () => {
    const specs = webhookSourceSpecs(
      configWith([
        { ...GITHUB, secrets: [{ env: 'GITHUB_WEBHOOK_SECRET' }, { file: '/etc/flowline/webhook-secrets/github' }] },
      ]),
    );
    const [github] = resolveWebhookSources(specs, {
      env: { GITHUB_WEBHOOK_SECRET: 'from-env' },
      readFile: () => 'new-from-file\n\n  old-from-file  \n',
    });
    expect(github?.secrets).toEqual(['from-env', 'new-from-file', 'old-from-file']);
  });

  it('names the secret that cannot be read, never showing a secret value', () => {
    const specs = webhookSourceSpecs(
      configWith([
        GITHUB,
        { name: 'stripe', scheme: 'stripe', secrets: [{ file: '/x' }] },
        { name: 'billing', scheme: 'standard-webhooks', secrets: [{ env: 'BILLING_SECRET' }, { file: '/empty' }] },
      ]),
    );
    const problems = problemsOf(() =>
      resolveWebhookSources(specs, {
        env: { BILLING_SECRET: 'whsec_not base64 at all' },
        readFile: (path) => (path === '/empty' ? '\n' : noFiles(path)),
      }),
    );
    expect(problems).toEqual([
      'sources[0].secrets[0]: environment variable GITHUB_WEBHOOK_SECRET is not set',
      'sources[1].secrets[0]: file /x not readable (ENOENT)',
      'sources[2].secrets[0]: a Standard Webhooks secret is whsec_ followed by base64 key bytes',
      'sources[2].secrets[1]: file /empty is empty',
    ]);
    expect(problems.join('\n')).not.toContain('not base64 at all');
  });

  it('names WEBHOOK_SECRET_FILE when the single source’s secret file is missing', () => {
    const config = loadConfig(gatewayConfig, {
      WEBHOOK_SOURCE_NAME: 'github',
      WEBHOOK_SCHEME: 'github',
      WEBHOOK_SECRET_FILE: '/var/run/secrets/github',
    });
    expect(problemsOf(() => resolveWebhookSources(webhookSourceSpecs(config), { env: {}, readFile: noFiles }))).toEqual(
      ['WEBHOOK_SECRET_FILE: file /var/run/secrets/github not readable (ENOENT)'],
    );
  });
});
