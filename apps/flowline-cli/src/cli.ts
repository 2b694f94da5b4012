/**
 * The `flowline` operator command: parses arguments (commander), connects what a command
 * needs on first use, runs it, and turns every outcome into an exit code and at most one
 * line on stderr — 0 done, 1 not found or not reachable, 2 usage, 130 interrupted. Stack
 * traces only with --verbose.
 */
import { Command, CommanderError } from 'commander';
import { errorCode } from '@flowline/errors';
import { CliError, EXIT, UsageError, unknownTopicsOf } from './cli-error';
import { dlqListCommand } from './commands/dlq-list';
import { dlqRedriveCommand, RedriveSelector } from './commands/dlq-redrive';
import { replayCommand } from './commands/replay';
import { rulesCheckCommand, rulesTestCommand } from './commands/rules';
import { statsCommand } from './commands/stats';
import {
  subscriptionsAddCommand,
  subscriptionsDisableCommand,
  subscriptionsEnableCommand,
  subscriptionsListCommand,
} from './commands/subscriptions';
import { tailCommand } from './commands/tail';
import { traceCommand } from './commands/trace';
import { CliConfig, loadCliConfig } from './config';
import { parseTime, parseTimeOrOffset } from './parse-time';
import type { CliOutput, CommandContext, Connections, ProgressFactory } from './ports';
import { parseTopic, unknownTopics } from './topic-argument';

export type { CliOutput } from './ports';

export const USAGE = `Usage: flowline <command> [options]

Commands:
  trace <correlationid>         the causal tree of every event one correlation id caused (--json)
  tail <topic...>               decoded CloudEvents live (--type, --correlation, --source, --json)
  dlq list <topic>              dead letters with reason, attempts, first/last failure, redriven (--json)
  dlq redrive <topic>           republish dead letters to their original topic (--id | --all | --type, --dry-run)
  replay --from <time|offset>   replay events to a topic (--to, --type, --correlation, --topic, --to-topic, --dry-run)
  stats                         events per type and topic, DLQ counts, hop latency, consumer lag (--since, --json)
  rules check <file>            validate a router rule file: every problem with its path and line
  rules test <file> <event.json>  the targets a CloudEvent (JSON file) would reach, and the rule for each (--json)
  subscriptions add <url>       an outbound webhook for the notifier (--type ..., --filter, --secret, --description, --json)
  subscriptions list            the outbound webhooks: state, failures, types, URL, filter or why disabled (--json)
  subscriptions disable <id>    stop deliveries to one (--reason); its pending deliveries are held
  subscriptions enable <id>     deliver to it again, held deliveries first

Options:
  -h, --help                    show this help (flowline <command> --help for a command's options)
  --verbose                     print stack traces on errors

Arguments:
  <topic>         taken as given (FLOWLINE_TOPIC_PREFIX is not added); for dlq, the guarded
                  topic (agent.document) or the dead-letter topic (agent.document.dlq)
  <time>          ISO-8601 with a zone (2026-11-22T10:00:00Z) or a duration back from now (15m, 2h, 7d)
  <offset>        a non-negative offset in every partition (42), or <partition>:<offset> (0:42)

Replay and redrive keep event ids (and keys, values, headers; flowline-dlq-* headers are
dropped). Each record sent is new input to every consumer of the target topic: only a stage
that records ids in the PostgreSQL inbox skips an event it already handled.

Settings: KAFKA_BROKERS (default 127.0.0.1:9092), DATABASE_URL (default
postgres://postgres@127.0.0.1:55432/flowline), FLOWLINE_TOPIC_PREFIX (scopes stats, and is the
tenant of subscriptions).
Exit codes: 0 done, 1 not found or not reachable, 2 usage error, 130 interrupted.
`;

export interface CliDependencies {
  env: Readonly<Record<string, string | undefined>>;
  /** Builds the (lazily connecting) clients; called at most once per run, on first need. */
  connect(config: CliConfig, options: { verbose: boolean }): Connections;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  now: () => Date;
  /** Given when stderr is a terminal. */
  progress?: ProgressFactory;
}

/** How long closing the connections may take before the run ends anyway. */
const CLOSE_DEADLINE_MS = 5_000;

/** Runs the CLI on argv (without node and script); resolves with the process exit code. */
export async function runCli(
  argv: readonly string[],
  output: CliOutput,
  dependencies: CliDependencies,
): Promise<number> {
  const { verbose, args } = takeVerbose(argv);
  if (args.length === 0) {
    output.out(USAGE);
    return EXIT.usage;
  }
  const session = new Session(dependencies, verbose);
  const context: CommandContext = {
    output,
    signal: dependencies.signal,
    now: dependencies.now,
    ...(dependencies.progress === undefined ? {} : { progress: dependencies.progress }),
  };
  try {
    await buildProgram(output, session, context).parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return report(error, output, verbose, session);
  } finally {
    await session.close(output);
  }
}

/** `--verbose` is accepted anywhere before `--`, so it works before or after the command. */
function takeVerbose(argv: readonly string[]): { verbose: boolean; args: string[] } {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  return { verbose: options.includes('--verbose'), args: [...options.filter((arg) => arg !== '--verbose'), ...rest] };
}

/** The settings and connections of one run, made on first use and closed at its end. */
class Session {
  private loaded: CliConfig | undefined;
  private connections: Connections | undefined;

  constructor(
    private readonly dependencies: CliDependencies,
    readonly verbose: boolean,
  ) {}

  get config(): CliConfig {
    this.loaded ??= loadCliConfig(this.dependencies.env);
    return this.loaded;
  }

  /** The config if it could be loaded (for error messages), without throwing. */
  get configIfLoaded(): CliConfig | undefined {
    return this.loaded;
  }

  get connected(): Connections {
    this.connections ??= this.dependencies.connect(this.config, { verbose: this.verbose });
    return this.connections;
  }

  async close(output: CliOutput): Promise<void> {
    if (this.connections === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_DEADLINE_MS);
    });
    try {
      await Promise.race([this.connections.close(), deadline]);
    } catch (error) {
      if (this.verbose) output.err(`flowline: closing connections failed: ${describeError(error)}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface JsonFlag {
  json?: boolean;
}

function buildProgram(output: CliOutput, session: Session, context: CommandContext): Command {
  const program = new Command('flowline');
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true);
  // The top-level help is the hand-written USAGE; each command's own help is commander's.
  program.helpInformation = () => USAGE;

  program
    .command('trace')
    .description('the causal tree of every event one correlation id caused, from the event store')
    .argument('<correlationid>', 'the correlation id (the id of the first event of the chain)')
    .option('--json', 'print the trace as JSON (dates as ISO-8601)')
    .action(async (correlationId: string, options: JsonFlag) => {
      const store = await session.connected.eventStore();
      await traceCommand(store, { correlationId, json: options.json === true }, context);
    });

  program
    .command('tail')
    .description('decoded CloudEvents as they arrive, until Ctrl-C')
    .argument('<topic...>', 'topics to follow')
    .option('--type <type>', 'only events of this type')
    .option('--correlation <id>', 'only events of this correlation id')
    .option('--source <source>', 'only events from this source')
    .option('--json', 'print each event as one line of JSON')
    .action(async (topics: string[], options: JsonFlag & { type?: string; correlation?: string; source?: string }) => {
      const parsed = topics.map((topic) => parseTopic(topic));
      const reader = await session.connected.topicReader();
      await tailCommand(
        reader,
        {
          topics: parsed,
          json: options.json === true,
          ...(options.type === undefined ? {} : { type: options.type }),
          ...(options.correlation === undefined ? {} : { correlation: options.correlation }),
          ...(options.source === undefined ? {} : { source: options.source }),
        },
        context,
      );
    });

  const dlq = program.command('dlq').description('dead letters: list them, redrive them');
  dlq
    .command('list')
    .description(
      'every record of a dead-letter topic: offset, event id, type, reason, attempts, first/last failure, redriven',
    )
    .argument('<topic>', 'the guarded topic (agent.document) or its dead-letter topic (agent.document.dlq)')
    .option('--json', 'print the records as JSON')
    .action(async (topic: string, options: JsonFlag) => {
      const parsed = parseTopic(topic);
      const reader = await session.connected.topicReader();
      const store = await session.connected.eventStore();
      await dlqListCommand(reader, store, { topic: parsed, json: options.json === true }, context);
    });
  dlq
    .command('redrive')
    .description(
      'republish dead letters to their original topic (same id, key, value and headers without flowline-dlq-*), then mark them redriven; already redriven ones are skipped',
    )
    .argument('<topic>', 'the guarded topic (agent.document) or its dead-letter topic (agent.document.dlq)')
    .option('--id <id>', 'the dead letter(s) of this event id')
    .option('--all', 'every dead letter')
    .option('--type <type>', 'the dead letters of this event type')
    .option('--dry-run', 'list what would be redriven; send nothing')
    .action(async (topic: string, options: { id?: string; all?: boolean; type?: string; dryRun?: boolean }) => {
      const parsed = parseTopic(topic);
      const selector = redriveSelector(options);
      const reader = await session.connected.topicReader();
      const store = await session.connected.eventStore();
      await dlqRedriveCommand(
        { reader, store, publisher: () => session.connected.publisher() },
        { topic: parsed, selector, dryRun: options.dryRun === true },
        context,
      );
    });

  program
    .command('replay')
    .description(
      'republish past events unchanged (event ids kept) to a topic: read from --topic in Kafka, or from the event store without --topic',
    )
    .requiredOption(
      '--from <time|offset>',
      'start: a time (2026-11-22T10:00:00Z, 2h), or with --topic an offset (42, 0:42)',
    )
    .option('--to <time>', 'end (exclusive); default: now')
    .option('--type <type>', 'only events of this type')
    .option('--correlation <id>', 'only events of this correlation id')
    .option('--topic <topic...>', 'read these topics from Kafka (default: the event store)')
    .requiredOption('--to-topic <topic>', 'where to publish (must exist)')
    .option('--dry-run', 'print what would be sent, one line per event; send nothing')
    .addHelpText(
      'after',
      '\nEvent ids are kept; every consumer of --to-topic handles the events as new input (only an inbox stage skips one it already handled).\nA progress bar shows on a terminal when there are more than 100 events.',
    )
    .action(
      async (options: {
        from: string;
        to?: string;
        type?: string;
        correlation?: string;
        topic?: string[];
        toTopic: string;
        dryRun?: boolean;
      }) => {
        const now = context.now();
        const from = parseTimeOrOffset(options.from, now, '--from');
        const to = options.to === undefined ? undefined : parseTime(options.to, now, '--to');
        const topics = (options.topic ?? []).map((topic) => parseTopic(topic, '--topic'));
        const toTopic = parseTopic(options.toTopic, '--to-topic');
        const reader = await session.connected.topicReader();
        await replayCommand(
          { reader, store: () => session.connected.eventStore(), publisher: () => session.connected.publisher() },
          {
            from,
            topics,
            toTopic,
            dryRun: options.dryRun === true,
            ...(to === undefined ? {} : { to }),
            ...(options.type === undefined ? {} : { type: options.type }),
            ...(options.correlation === undefined ? {} : { correlation: options.correlation }),
          },
          context,
        );
      },
    );

  program
    .command('stats')
    .description('events per type and topic, dead letters per topic, hop latency p50/p99, consumer lag per group')
    .option('--since <time>', 'window start: a duration back from now (15m, 2h, 7d) or an ISO-8601 time', '1h')
    .option('--json', 'print the numbers as JSON')
    .action(async (options: JsonFlag & { since: string }) => {
      const since = parseTime(options.since, context.now(), '--since');
      const reader = await session.connected.topicReader();
      const store = await session.connected.eventStore();
      await statsCommand(
        store,
        reader,
        { since, sinceText: options.since, json: options.json === true, topicPrefix: session.config.topicPrefix },
        context,
      );
    });

  const rules = program.command('rules').description("the router's rule files: check one, see where an event would go");
  rules
    .command('check')
    .description('validate a router rule file (YAML): a summary, or every problem with its path and line (exit 1)')
    .argument('<file>', 'the rule file, e.g. apps/router/rules/default.yaml')
    .action(async (file: string) => {
      await rulesCheckCommand({ file }, context);
    });
  rules
    .command('test')
    .description('the targets an event would reach by these rules and the rule that sent it to each, or "unrouted"')
    .argument('<file>', 'the rule file')
    .argument(
      '<event.json>',
      'a JSON file with one CloudEvent in structured form: attributes (type, source, subject) and data',
    )
    .option('--json', 'print { matched, routes, unrouted } as JSON')
    .addHelpText(
      'after',
      "\nThe router also never routes an agent's own event back to that agent, and drops (rather\nthan sending to events.unrouted) a domain event no rule matches.",
    )
    .action(async (file: string, eventFile: string, options: JsonFlag) => {
      await rulesTestCommand({ file, eventFile, json: options.json === true }, context);
    });

  const subscriptions = program
    .command('subscriptions')
    .description("the notifier's outbound webhook subscriptions (PostgreSQL)");
  subscriptions
    .command('add')
    .description(
      'add an outbound webhook: signed with Standard Webhooks, retried on a schedule, filtered by type and content',
    )
    .argument('<url>', 'where to POST the events (http or https)')
    .requiredOption(
      '--type <pattern...>',
      'event types to deliver: exact (invoice.processed) or globs (invoice.*, ** for every type)',
    )
    .option('--filter <expression>', 'a condition on the event, e.g. \'data.total > 1000 and data.currency == "EUR"\'')
    .option('--secret <whsec>', 'the signing secret (whsec_ + base64 of 24 to 64 bytes); generated when not given')
    .option('--description <text>', 'what the endpoint is, for the list')
    .option('--json', 'print the stored subscription (with its secret) as JSON')
    .addHelpText(
      'after',
      '\nFilter: comparisons (== != < <= > >=), and/or/not, parentheses, in [..], strings, numbers, true/false/null,\npaths data.a.b, data.items[0], type, source, subject, id, time. A number compares with a decimal string\n("1234.50") as a number; two strings compare as text. See apps/notifier/README.md.',
    )
    .action(
      async (
        url: string,
        options: { type: string[]; filter?: string; secret?: string; description?: string; json?: boolean },
      ) => {
        const store = await session.connected.subscriptions();
        await subscriptionsAddCommand(
          store,
          {
            url,
            types: options.type,
            json: options.json === true,
            ...(options.filter === undefined ? {} : { filter: options.filter }),
            ...(options.secret === undefined ? {} : { secret: options.secret }),
            ...(options.description === undefined ? {} : { description: options.description }),
          },
          context,
        );
      },
    );
  subscriptions
    .command('list')
    .description('every subscription: id, state, failures in a row, types, URL, and its filter or why it was disabled')
    .option('--json', 'print them as JSON (without secrets)')
    .action(async (options: JsonFlag) => {
      const store = await session.connected.subscriptions();
      await subscriptionsListCommand(store, { json: options.json === true }, context);
    });
  subscriptions
    .command('disable')
    .description('stop delivering to a subscription; its pending deliveries are held until it is enabled')
    .argument('<id>', 'the subscription id (sub_…)')
    .option('--reason <text>', 'why, shown by list', 'disabled by an operator')
    .action(async (id: string, options: { reason: string }) => {
      const store = await session.connected.subscriptions();
      await subscriptionsDisableCommand(store, { id, reason: options.reason }, context);
    });
  subscriptions
    .command('enable')
    .description('deliver to a subscription again, with a fresh failure count; held deliveries are due at once')
    .argument('<id>', 'the subscription id (sub_…)')
    .action(async (id: string) => {
      const store = await session.connected.subscriptions();
      await subscriptionsEnableCommand(store, { id }, context);
    });

  return program;
}

function redriveSelector(options: { id?: string; all?: boolean; type?: string }): RedriveSelector {
  const selectors: RedriveSelector[] = [
    ...(options.id === undefined ? [] : [{ kind: 'id', id: options.id } as const]),
    ...(options.all === true ? [{ kind: 'all' } as const] : []),
    ...(options.type === undefined ? [] : [{ kind: 'type', type: options.type } as const]),
  ];
  const [selector] = selectors;
  if (selectors.length !== 1 || selector === undefined) {
    throw new UsageError(
      `dlq redrive needs exactly one of --id <id>, --all, --type <type> (got ${selectors.length === 0 ? 'none' : selectors.map((s) => `--${s.kind}`).join(' and ')})`,
    );
  }
  return selector;
}

/** One line on stderr, `flowline: <CODE>: <message>` (a stack too with --verbose), and the exit code. */
function report(error: unknown, output: CliOutput, verbose: boolean, session: Session): number {
  const { line, exitCode } = describeFailure(error, session);
  if (line !== undefined) output.err(`flowline: ${line}\n`);
  if (verbose && exitCode !== EXIT.ok && error instanceof Error && error.stack !== undefined)
    output.err(`${error.stack}\n`);
  return exitCode;
}

/** `<CODE>: <message>`, the code being the stable code of what failed; no line when help was shown. */
function describeFailure(error: unknown, session: Session): { line: string | undefined; exitCode: number } {
  const failed = ({ code, message, exitCode }: CliError) => ({ line: `${code}: ${message}`, exitCode });
  if (error instanceof CommanderError) {
    // Help asked for (exit 0), or shown because a command group was given no command (usage).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') {
      return { line: undefined, exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
    }
    if (error.code === 'commander.unknownCommand') {
      const name = /'([^']*)'/.exec(error.message)?.[1] ?? '';
      const suggestion = /Did you mean ([^?]+)\?/.exec(error.message)?.[1];
      const hint = suggestion === undefined ? 'see flowline --help' : `did you mean ${suggestion}?`;
      return failed(new UsageError(`unknown command "${name}" (${hint})`));
    }
    // One line: commander puts a suggestion ("Did you mean --json?") on a line of its own.
    return failed(new UsageError(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')));
  }
  const topics = unknownTopicsOf(error);
  if (topics !== undefined) {
    // The messaging lib's UNKNOWN_TOPIC, told with the brokers and a hint about the prefix.
    const config = session.configIfLoaded;
    const brokers = config?.brokers.join(',') ?? 'the configured brokers';
    const notFound = unknownTopics(topics, brokers, config?.topicPrefix ?? '');
    return { line: `${errorCode(error) ?? notFound.code}: ${notFound.message}`, exitCode: notFound.exitCode };
  }
  if (error instanceof CliError) return failed(error);
  return { line: `${errorCode(error) ?? 'FAILED'}: ${describeError(error)}`, exitCode: EXIT.failure };
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
