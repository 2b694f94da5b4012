/**
 * The ingress bench's sizes and durations: CLI flags first, then BENCH_* environment
 * variables, then defaults sized for a 2-core machine (about 12 minutes in all).
 */
import { readFlags } from '../shared/bench-flags';
import { GATEWAY_VARIANTS, type GatewayVariant } from './gateway-throughput';
import { ROUTER_VARIANTS, type RouterVariant } from './router-throughput';

export const PHASES = ['gateway', 'router', 'chain'] as const;
export type Phase = (typeof PHASES)[number];

export interface IngressSettings {
  brokers: string[];
  /** PostgreSQL server for the gateway's dedupe records (a scratch database is made on it). */
  databaseUrl: string;
  phases: Phase[];
  repeat: number;
  warmup: number;
  partitions: number;
  gateway: {
    connections: number;
    seconds: number;
    rate: number;
    rateSeconds: number;
    warmupSeconds: number;
    bodyBytes: number;
    variants: GatewayVariant[];
    latencyVariants: GatewayVariant[];
    gatewayEnv: Record<string, string>;
  };
  router: { events: number; seconds: number; variants: RouterVariant[]; routerEnv: Record<string, string> };
  chain: {
    rate: number;
    seconds: number;
    drainSeconds: number;
    repeat: number;
    payloadBytes: number;
    stageEnv: Record<string, string>;
  };
  maxMinutes: number;
  outFile: string;
}

const FLAGS = {
  phases: { default: PHASES.join(','), help: 'phases to run, e.g. gateway,chain' },
  repeat: { default: '3', help: 'counted repetitions per measurement (median reported)' },
  warmup: { default: '1', help: 'untimed repetitions of every gateway and router variant first (0: none)' },
  partitions: { default: '3', help: 'partitions of every bench topic' },
  connections: { default: '64', help: 'autocannon connections against each HTTP server' },
  'gateway-seconds': { default: '10', help: 'seconds of load per gateway throughput run' },
  'gateway-rate': { default: '500', help: 'fixed request rate of the gateway latency runs (req/s)' },
  'gateway-rate-seconds': { default: '10', help: 'seconds per gateway latency run' },
  'gateway-warmup-seconds': { default: '2', help: 'untimed load on each fresh server process before its run' },
  'body-bytes': { default: '1024', help: 'size of the signed JSON webhook body' },
  'gateway-variants': {
    default: 'gateway,baseline,ceiling,gatewayNoDedupe',
    help: `throughput variants among ${GATEWAY_VARIANTS.join(',')} (the last two: diagnostics)`,
  },
  'gateway-latency-variants': { default: 'gateway,baseline,gatewayNoDedupe', help: 'fixed-rate latency variants' },
  'gateway-env': {
    default: '',
    help: 'extra environment for the gateway processes, KEY=VALUE,… (e.g. NODE_OPTIONS=--cpu-prof)',
  },
  'router-events': { default: '50000', help: 'catalogue events pre-filled into the router input' },
  'router-seconds': { default: '120', help: 'deadline of one router run, from its process start' },
  'router-variants': { default: ROUTER_VARIANTS.join(','), help: 'router variants: router,baseline,rules10,rules1000' },
  'router-env': {
    default: '',
    help: 'extra environment for the router processes (not the baseline), KEY=VALUE,… (e.g. NODE_OPTIONS=--cpu-prof)',
  },
  'chain-rate': { default: '150', help: 'events/s into ingress.webhook in the chain phase' },
  'chain-seconds': { default: '20', help: 'seconds of sending per chain run' },
  'chain-drain-seconds': {
    default: '10',
    help: 'wait after the last send for late events (then they count as missing)',
  },
  'chain-repeat': { default: '', help: 'chain runs (default: --repeat)' },
  'payload-bytes': { default: '256', help: 'filler bytes in each chain event payload' },
  'chain-stage-env': {
    default: '',
    help: 'extra environment for the chain’s router and document agent, KEY=VALUE,… (config experiments)',
  },
  'max-minutes': { default: '25', help: 'whole-run watchdog' },
  out: { default: 'bench/ingress/results/latest.json', help: 'where the JSON result is written' },
} as const;

type Flag = keyof typeof FLAGS;

export function parseIngressSettings(argv: readonly string[], env: NodeJS.ProcessEnv): IngressSettings {
  const { raw, positive, nonNegative, optionalPositive, list } = readFlags<Flag>(FLAGS, argv, env, {
    command: 'npm run bench:ingress',
    footer: [
      'KAFKA_BROKERS sets the brokers (default 127.0.0.1:9092); DATABASE_URL the PostgreSQL server',
      '(default postgres://postgres@127.0.0.1:55432/flowline) on which the gateway’s scratch dedupe database is made.',
    ],
  });
  const repeat = positive('repeat');
  return {
    brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:55432/flowline',
    phases: list('phases', PHASES),
    repeat,
    warmup: nonNegative('warmup'),
    partitions: positive('partitions'),
    gateway: {
      connections: positive('connections'),
      seconds: positive('gateway-seconds'),
      rate: positive('gateway-rate'),
      rateSeconds: positive('gateway-rate-seconds'),
      warmupSeconds: positive('gateway-warmup-seconds'),
      bodyBytes: positive('body-bytes'),
      variants: list('gateway-variants', GATEWAY_VARIANTS),
      latencyVariants: list('gateway-latency-variants', GATEWAY_VARIANTS),
      gatewayEnv: keyValues('gateway-env', raw('gateway-env')),
    },
    router: {
      events: positive('router-events'),
      seconds: positive('router-seconds', false),
      variants: list('router-variants', ROUTER_VARIANTS),
      routerEnv: keyValues('router-env', raw('router-env')),
    },
    chain: {
      rate: positive('chain-rate', false),
      seconds: positive('chain-seconds', false),
      drainSeconds: positive('chain-drain-seconds', false),
      repeat: optionalPositive('chain-repeat') ?? repeat,
      payloadBytes: positive('payload-bytes'),
      stageEnv: keyValues('chain-stage-env', raw('chain-stage-env')),
    },
    maxMinutes: positive('max-minutes', false),
    outFile: raw('out'),
  };
}

function keyValues(flag: string, text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const equals = item.indexOf('=');
    if (equals <= 0) throw new Error(`--${flag}: "${item}" is not KEY=VALUE; e.g. --${flag} LOG_LEVEL=warn`);
    pairs[item.slice(0, equals)] = item.slice(equals + 1);
  }
  return pairs;
}
