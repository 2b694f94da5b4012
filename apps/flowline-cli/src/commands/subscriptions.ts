/**
 * `flowline subscriptions add|list|disable|enable`: the notifier's outbound webhook
 * subscriptions, in PostgreSQL (`@flowline/subscriptions`). An invalid URL, event type, secret
 * or content filter is refused before anything is stored (exit 2, with the filter's position).
 */
import { ContentFilterInvalid, SubscriptionInvalid, SubscriptionNotFound } from '@flowline/subscriptions';
import { NotFoundError, UsageError } from '../cli-error';
import type { CommandContext, Subscription, SubscriptionStorePort } from '../ports';
import { formatTable } from '../text-table';

export interface SubscriptionsAddOptions {
  url: string;
  types: readonly string[];
  filter?: string;
  secret?: string;
  description?: string;
  json: boolean;
}

export async function subscriptionsAddCommand(
  store: Pick<SubscriptionStorePort, 'add'>,
  options: SubscriptionsAddOptions,
  { output }: CommandContext,
): Promise<void> {
  const added = await asOperatorErrors(() =>
    store.add({
      url: options.url,
      eventTypes: options.types,
      filter: options.filter,
      secret: options.secret,
      description: options.description,
    }),
  );
  if (options.json) {
    output.out(`${JSON.stringify(subscriptionToJson(added, { withSecret: true }), null, 2)}\n`);
    return;
  }
  output.out(
    [
      `added ${added.id}`,
      `  url     ${added.url}`,
      `  types   ${added.eventTypes.join(', ')}`,
      `  filter  ${added.filter ?? '(every event of these types)'}`,
      `  secret  ${added.secret}`,
      '',
      'Receivers verify the webhook-signature header with this secret (Standard Webhooks); `list` does not show it again.',
      '',
    ].join('\n'),
  );
}

export async function subscriptionsListCommand(
  store: Pick<SubscriptionStorePort, 'list'>,
  options: { json: boolean },
  { output }: CommandContext,
): Promise<void> {
  const subscriptions = await store.list();
  if (options.json) {
    output.out(
      `${JSON.stringify(
        subscriptions.map((subscription) => subscriptionToJson(subscription, { withSecret: false })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (subscriptions.length === 0) {
    output.out('no subscriptions (add one with: flowline subscriptions add <url> --type <type>)\n');
    return;
  }
  output.out(
    formatTable(
      ['ID', 'STATE', 'FAILURES', 'TYPES', 'URL', 'FILTER / DISABLED BECAUSE'],
      subscriptions.map((subscription) => [
        subscription.id,
        subscription.enabled ? 'enabled' : 'disabled',
        String(subscription.consecutiveFailures),
        subscription.eventTypes.join(','),
        subscription.url,
        subscription.enabled ? (subscription.filter ?? '-') : (subscription.disabledReason ?? '-'),
      ]),
    ),
  );
}

export async function subscriptionsDisableCommand(
  store: Pick<SubscriptionStorePort, 'disable'>,
  options: { id: string; reason?: string },
  { output }: CommandContext,
): Promise<void> {
  const disabled = await asOperatorErrors(() => store.disable(options.id, options.reason ?? 'disabled by an operator'));
  output.out(`disabled ${disabled.id} (${disabled.disabledReason ?? ''}); its pending deliveries are held\n`);
}

export async function subscriptionsEnableCommand(
  store: Pick<SubscriptionStorePort, 'enable'>,
  options: { id: string },
  { output }: CommandContext,
): Promise<void> {
  const enabled = await asOperatorErrors(() => store.enable(options.id));
  output.out(`enabled ${enabled.id}; its held deliveries are due now\n`);
}

function subscriptionToJson(subscription: Subscription, { withSecret }: { withSecret: boolean }) {
  const { secret, ...rest } = subscription;
  return {
    ...rest,
    disabledAt: subscription.disabledAt?.toISOString() ?? null,
    failingSince: subscription.failingSince?.toISOString() ?? null,
    createdAt: subscription.createdAt.toISOString(),
    ...(withSecret ? { secret } : {}),
  };
}

/** The store's refusals as the CLI's exit codes: bad input → 2 (usage), an unknown id → 1. */
async function asOperatorErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ContentFilterInvalid) throw new UsageError(`--filter: ${error.message}`, { cause: error });
    if (error instanceof SubscriptionInvalid) throw new UsageError(error.message, { cause: error });
    if (error instanceof SubscriptionNotFound) throw new NotFoundError(error.message, { cause: error });
    throw error;
  }
}
