/**
 * The `flowline` operator command. This first version knows its commands and answers
 * --help; trace, tail, dlq, replay and stats are built with the event-store issue.
 */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const USAGE = `Usage: flowline <command> [options]

Commands:
  trace <correlationid>         the causal tree of every event one correlation id caused
  tail <topic...>               decoded CloudEvents live (--type, --correlation, --source)
  dlq list <topic>              dead letters with reason, attempts, first/last failure
  dlq redrive <topic>           republish dead letters to their original topic (--id | --all | --type)
  replay --from <time|offset>   replay events to a topic (--to, --type, --correlation, --to-topic, --dry-run)
  stats                         events per type and topic, DLQ counts, consumer lag

Options:
  -h, --help                    show this help
  --verbose                     print stack traces on errors

Connection settings come from KAFKA_BROKERS and DATABASE_URL.
`;

const COMMANDS = ['trace', 'tail', 'dlq', 'replay', 'stats'] as const;

/** Runs the CLI on argv (without node and script); returns the process exit code. */
export function runCli(argv: readonly string[], output: CliOutput): number {
  const [command] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    output.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if ((COMMANDS as readonly string[]).includes(command)) {
    output.err(`flowline ${command}: not available yet in this version (it needs the event store)\n`);
    return 2;
  }
  output.err(`flowline: unknown command "${command}" (see flowline --help)\n`);
  return 2;
}
