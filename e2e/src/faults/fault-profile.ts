/**
 * How long and how hard the fault suite runs. `npm test` runs the short profile (every fault kind
 * once, about two and a half minutes with start-up); `npm run test:faults` sets
 * FLOWLINE_FAULTS_PROFILE=long: five minutes of load (FLOWLINE_FAULTS_LOAD_SECONDS to change it)
 * with every service instance killed and every server restarted, round after round.
 */
import type { LoadRates } from './load';

export type FaultStep =
  { kind: 'kill'; target: string } | { kind: 'kafka' | 'postgres' | 'rabbitmq' } | { kind: 'receiver' };

export interface FaultProfile {
  name: 'short' | 'long';
  loadMs: number;
  rates: LoadRates;
  /** Injected one at a time, in order, each at least once; the long profile starts over until the load ends. */
  steps: readonly FaultStep[];
  repeat: boolean;
  /** Quiet time after a fault is repaired before the next one. */
  gapMs: number;
  /** How long a restarted server stays down, and the receiver keeps failing. */
  outageMs: number;
  receiverFailureMs: number;
  /** After the load stops: how long the platform may take to complete every accepted input. */
  drainMs: number;
}

export const SERVICE_INSTANCES = [
  'event-archiver',
  'webhook-gateway',
  'file-watcher',
  'cdc-listener',
  'router#1',
  'router#2',
  'email-agent',
  'document-agent',
  'invoice-agent#1',
  'invoice-agent#2',
  'sync-agent',
  'notifier',
] as const;

const SERVER_STEPS: readonly FaultStep[] = [{ kind: 'kafka' }, { kind: 'postgres' }, { kind: 'rabbitmq' }];

export function faultProfile(env: NodeJS.ProcessEnv = process.env): FaultProfile {
  const name = env['FLOWLINE_FAULTS_PROFILE'] ?? 'short';
  if (name !== 'short' && name !== 'long') {
    throw new Error(`FLOWLINE_FAULTS_PROFILE must be short or long (got "${name}"), e.g. FLOWLINE_FAULTS_PROFILE=long`);
  }
  const seconds = env['FLOWLINE_FAULTS_LOAD_SECONDS'];
  if (seconds !== undefined && !/^[1-9]\d*$/.test(seconds)) {
    throw new Error(`FLOWLINE_FAULTS_LOAD_SECONDS must be a whole number of seconds (got "${seconds}"), e.g. 300`);
  }
  if (name === 'short') {
    return {
      name,
      loadMs: seconds === undefined ? 60_000 : Number(seconds) * 1000,
      rates: { mailPerSecond: 1, filePerSecond: 0.5, cdcPerSecond: 4, mongoPerSecond: 1 },
      // A router and an invoice agent, each with a live peer in its group, then each server once.
      steps: [
        { kind: 'kill', target: 'router#1' },
        { kind: 'kill', target: 'invoice-agent#2' },
        { kind: 'kafka' },
        { kind: 'postgres' },
        { kind: 'rabbitmq' },
        { kind: 'receiver' },
      ],
      repeat: false,
      gapMs: 2_000,
      outageMs: 2_000,
      receiverFailureMs: 5_000,
      drainMs: 90_000,
    };
  }
  return {
    name,
    loadMs: seconds === undefined ? 300_000 : Number(seconds) * 1000,
    // About 11 inputs/s: with 13 service processes, three servers and the MongoDB stand-in on 2
    // cores, 14.6/s (10 row changes) saturated the sync agent, and recoveries measured its backlog.
    rates: { mailPerSecond: 2, filePerSecond: 1, cdcPerSecond: 6, mongoPerSecond: 2 },
    steps: [
      ...SERVICE_INSTANCES.map((target): FaultStep => ({ kind: 'kill', target })),
      ...SERVER_STEPS,
      { kind: 'receiver' },
    ],
    repeat: true,
    gapMs: 5_000,
    outageMs: 5_000,
    receiverFailureMs: 10_000,
    drainMs: 240_000,
  };
}
