import { describeError } from './infra-error';
import { infraDown, infraStatus, infraUp } from './index';

// `npm run infra:up | infra:down | infra:status`. Exit code 0 on success; otherwise one line that
// says what is wrong and exit code 1.

const usage = 'usage: tsx deploy/local/src/cli.ts up | down | status';

async function main(command: string | undefined): Promise<number> {
  const log = (line: string): void => console.log(line);
  const started = Date.now();
  switch (command) {
    case 'up': {
      const settings = await infraUp({ log });
      log(`infra up in ${((Date.now() - started) / 1000).toFixed(1)} s; connection settings:`);
      for (const [key, value] of Object.entries(settings)) log(`${key}=${value}`);
      return 0;
    }
    case 'down':
      await infraDown({ log });
      log(`infra down in ${((Date.now() - started) / 1000).toFixed(1)} s (data kept in .flowline/)`);
      return 0;
    case 'status': {
      const statuses = Object.entries(await infraStatus());
      for (const [name, status] of statuses) log(`${name.padEnd(9)} ${status.up ? 'up  ' : 'DOWN'} ${status.detail}`);
      return statuses.every(([, status]) => status.up) ? 0 : 1;
    }
    default:
      console.error(usage);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`infra ${process.argv[2] ?? ''} failed: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
