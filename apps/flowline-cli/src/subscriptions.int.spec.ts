/**
 * `flowline subscriptions add|list|disable|enable` end to end through runCli, with the real
 * composition root (connect.ts) against a scratch PostgreSQL database.
 */
import pg from 'pg';
import { parseContentFilter, SubscriptionStore } from '@flowline/subscriptions';
import { createScratchDatabase, testInfra, type ScratchDatabase } from '@flowline/testing';
import { runCli } from './cli';
import { connectFlowline } from './connect';

let database: ScratchDatabase;

beforeAll(async () => {
  database = await createScratchDatabase(testInfra().DATABASE_URL, 'cli_subscriptions');
});
afterAll(async () => {
  await database.drop();
});

async function flowline(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { out: (text) => out.push(text), err: (text) => err.push(text) },
    {
      env: { DATABASE_URL: database.url, ...env },
      connect: connectFlowline,
      signal: new AbortController().signal,
      now: () => new Date(),
    },
  );
  return { code, out: out.join(''), err: err.join('') };
}

interface ListedJson {
  id: string;
  url: string;
  enabled: boolean;
  eventTypes: string[];
  filter: string | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  secret?: string;
}

async function listed(env: Record<string, string> = {}): Promise<ListedJson[]> {
  const result = await flowline(['subscriptions', 'list', '--json'], env);
  expect(result).toMatchObject({ code: 0, err: '' });
  return JSON.parse(result.out) as ListedJson[];
}

describe('flowline subscriptions', () => {
  it('adds a subscription with a generated secret, stored as the notifier signs with it, and lists it without the secret', async () => {
    const added = await flowline([
      'subscriptions',
      'add',
      'https://receiver.example/hooks',
      '--type',
      'invoice.*',
      'document.processed',
      '--filter',
      'data.total > 1000 and data.currency == "EUR"',
      '--json',
    ]);
    expect(added).toMatchObject({ code: 0, err: '' });
    const subscription = JSON.parse(added.out) as ListedJson;
    expect(subscription).toMatchObject({
      url: 'https://receiver.example/hooks',
      eventTypes: ['invoice.*', 'document.processed'],
      filter: 'data.total > 1000 and data.currency == "EUR"',
      enabled: true,
      consecutiveFailures: 0,
    });
    expect(subscription.id).toMatch(/^sub_/);
    expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    // The stored secret is the one the notifier signs with; a receiver verifies with the printed one.
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const [stored] = await new SubscriptionStore(pool).list();
      expect(stored?.secret).toBe(subscription.secret);
    } finally {
      await pool.end();
    }

    const all = await listed();
    expect(all.map((row) => row.id)).toContain(subscription.id);
    expect(all.find((row) => row.id === subscription.id)).not.toHaveProperty('secret');

    const table = await flowline(['subscriptions', 'list']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^ID\s+STATE\s+FAILURES\s+TYPES\s+URL\s+FILTER \/ DISABLED BECAUSE\n/);
    expect(table.out).toContain(`${subscription.id}  enabled`);
    expect(table.out).not.toContain(subscription.secret as string);
  });

  it('keeps a given secret, and prints it once in the text form', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const added = await flowline(['subscriptions', 'add', 'http://127.0.0.1:9/x', '--type', '**', '--secret', secret]);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^added sub_\S+\n {2}url {5}http:\/\/127\.0\.0\.1:9\/x\n/);
    expect(added.out).toContain(`  secret  ${secret}\n`);
    expect(added.out).toContain('  filter  (every event of these types)\n');
  });

  it('refuses an invalid filter with its position, and stores nothing', async () => {
    const before = (await listed()).length;
    const refused = await flowline([
      'subscriptions',
      'add',
      'https://receiver.example/hooks',
      '--type',
      'invoice.processed',
      '--filter',
      'data.total > 1000 and',
    ]);
    expect(refused).toEqual({
      code: 2,
      out: '',
      err: 'flowline: USAGE: --filter: expected a value, a path or "(", found the end at position 22: data.total > 1000 and⟶\n',
    });
    expect(() => parseContentFilter('data.total > 1000 and')).toThrow(/position 22/);
    expect(await listed()).toHaveLength(before);
  });

  it('refuses a URL that is not http(s), a bad event type and a malformed secret (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['ftp://x.example/', '--type', 'a.b'], /^flowline: USAGE: a webhook URL is http or https, not ftp\n$/],
      [['not a url', '--type', 'a.b'], /^flowline: USAGE: "not a url" is not a URL/],
      [['https://x.example/', '--type', 'a b'], /^flowline: USAGE: event type "a b": letters, digits/],
      [['https://x.example/', '--type', 'a', '--secret', 'whsec_%%%'], /^flowline: USAGE: a secret is whsec_/],
      [['https://x.example/', '--type', 'a', '--secret', 'whsec_c2hvcnQ='], /at least 24 key bytes/],
      [['https://x.example/'], /^flowline: USAGE: required option '--type <pattern\.\.\.>' not specified\n$/],
    ];
    for (const [args, expected] of cases) {
      const result = await flowline(['subscriptions', 'add', ...args]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(expected);
    }
  });

  it('disables with a reason and enables again with a fresh failure count', async () => {
    const added = JSON.parse(
      (await flowline(['subscriptions', 'add', 'https://a.example/', '--type', 'x.y', '--json'])).out,
    ) as ListedJson;
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      await pool.query(
        'UPDATE webhook_subscriptions SET consecutive_failures = 7, failing_since = now() WHERE id = $1',
        [added.id],
      );
    } finally {
      await pool.end();
    }

    const disabled = await flowline(['subscriptions', 'disable', added.id, '--reason', 'receiver migrating']);
    expect(disabled).toEqual({
      code: 0,
      out: `disabled ${added.id} (receiver migrating); its pending deliveries are held\n`,
      err: '',
    });
    expect((await listed()).find((row) => row.id === added.id)).toMatchObject({
      enabled: false,
      disabledReason: 'receiver migrating',
      consecutiveFailures: 7,
    });
    expect((await flowline(['subscriptions', 'list'])).out).toMatch(
      new RegExp(`${added.id}  disabled .* receiver migrating\\n`),
    );

    const enabled = await flowline(['subscriptions', 'enable', added.id]);
    expect(enabled).toEqual({ code: 0, out: `enabled ${added.id}; its held deliveries are due now\n`, err: '' });
    expect((await listed()).find((row) => row.id === added.id)).toMatchObject({
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
    });
  });

  it('answers NOT_FOUND (exit 1) for an unknown id', async () => {
    for (const command of ['disable', 'enable']) {
      expect(await flowline(['subscriptions', command, 'sub_nope'])).toEqual({
        code: 1,
        out: '',
        err: 'flowline: NOT_FOUND: no subscription "sub_nope"\n',
      });
    }
  });

  it('keeps tenants apart by FLOWLINE_TOPIC_PREFIX', async () => {
    const tenant = { FLOWLINE_TOPIC_PREFIX: 'acme.' };
    expect(await listed(tenant)).toEqual([]);
    expect((await flowline(['subscriptions', 'list'], tenant)).out).toMatch(/^no subscriptions/);
    await flowline(['subscriptions', 'add', 'https://acme.example/', '--type', '**'], tenant);
    expect((await listed(tenant)).map((row) => row.url)).toEqual(['https://acme.example/']);
    expect((await listed()).map((row) => row.url)).not.toContain('https://acme.example/');
  });

  it('names PostgreSQL when it cannot be reached (exit 1)', async () => {
    const result = await flowline(['subscriptions', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^flowline: UNREACHABLE: cannot reach PostgreSQL at 127\.0\.0\.1:1\/none: /);
  });
});
