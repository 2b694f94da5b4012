/**
 * Dedupe state lives in PostgreSQL: a delivery accepted by one gateway instance is
 * recognised by another, and by an instance started after a restart.
 */
import { Webhook } from 'standardwebhooks';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  ScratchDatabase,
  startServiceUnderTest,
  ServiceUnderTest,
  testInfra,
} from '@flowline/testing';
import { metricValue, writeGatewayConfig } from './test-fixtures/gateway-config';
import { webhookGateway } from './service';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Another instance's environment: everything the same but its own free port. */
function withoutPort({ PORT: _port, ...env }: Record<string, string>): Record<string, string> {
  return env;
}

describe('webhook dedupe across gateway instances (real broker and database)', () => {
  let database: ScratchDatabase;
  let first: ServiceUnderTest;
  let second: ServiceUnderTest;

  beforeAll(async () => {
    database = await createScratchDatabase(testInfra().DATABASE_URL, 'gateway_dedupe');
    const configFile = await writeGatewayConfig({ billing: SECRET }, (secretFile) => [
      { name: 'billing', scheme: 'standard-webhooks', secrets: [secretFile('billing')] },
    ]);
    first = await startServiceUnderTest(webhookGateway, {
      env: { FLOWLINE_CONFIG_FILE: configFile, DATABASE_URL: database.url },
      outputs: (prefix) => [topicNames(prefix).ingressWebhook],
    });
    // The same environment and topic prefix: a second replica of the same deployment.
    second = await startServiceUnderTest(webhookGateway, { env: withoutPort(first.env) });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await database?.drop();
  });

  const deliver = (gateway: ServiceUnderTest, messageId: string, body: string) =>
    fetch(gateway.url('/webhooks/billing'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': new Webhook(SECRET).sign(messageId, new Date(), body),
      },
      body,
    }).then(async (response) => ({ status: response.status, ...((await response.json()) as { id: string }) }));

  const produced = async (gateway: ServiceUnderTest) =>
    metricValue(await (await fetch(gateway.url('/metrics'))).text(), 'flowline_events_produced_total', {
      type: 'webhook.received',
    });

  it('answers a redelivery that reaches another instance with the same id, without publishing it again', async () => {
    const body = JSON.stringify({ invoice: 'INV-9' });
    const accepted = await deliver(first, 'msg_across_instances', body);
    expect(accepted.status).toBe(202);
    await first.probe!.waitFor((m) => m.event?.id === accepted.id);

    const redelivered = await deliver(second, 'msg_across_instances', body);
    expect(redelivered).toEqual(accepted);
    expect(await produced(second)).toBe(0);
  });

  it('still knows the delivery after the instance that accepted it restarted', async () => {
    const body = JSON.stringify({ invoice: 'INV-10' });
    const accepted = await deliver(first, 'msg_across_restart', body);
    await first.probe!.waitFor((m) => m.event?.id === accepted.id);
    await first.stop();
    first = await startServiceUnderTest(webhookGateway, {
      env: withoutPort(first.env),
      outputs: (prefix) => [topicNames(prefix).ingressWebhook],
    });
    expect(await deliver(first, 'msg_across_restart', body)).toEqual(accepted);
    expect(await produced(first)).toBe(0);
  });
});
