/**
 * Command-line flags of a bench: each flag first, then its BENCH_<FLAG> environment
 * variable, then the default. A bad value fails at once, naming the flag, the problem and an
 * example; `--help` prints every flag with its default and variable, and exits.
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  /** The value when neither the flag nor its variable is given ('' for "none"). */
  default: string;
  help: string;
}

export interface FlagReader<F extends string> {
  /** The flag's text as given (flag, variable or default). */
  raw: (flag: F) => string;
  /** A positive number (an integer unless `integer` is false). */
  positive: (flag: F, integer?: boolean) => number;
  /** 0 or a positive number (an integer unless `integer` is false). */
  nonNegative: (flag: F, integer?: boolean) => number;
  /** undefined for an empty value, else a positive integer. */
  optionalPositive: (flag: F) => number | undefined;
  /** A comma-separated list of allowed values. */
  list: <T extends string>(flag: F, allowed: readonly T[]) => T[];
}

/** The variable that stands in for a flag: `--max-minutes` → BENCH_MAX_MINUTES. */
export function flagVariable(flag: string): string {
  return `BENCH_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export function readFlags<F extends string>(
  flags: Record<F, FlagSpec>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  usage: { command: string; footer?: readonly string[] },
): FlagReader<F> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const flag of Object.keys(flags)) options[flag] = { type: 'string' };
  const { values } = parseArgs({ args: [...argv], options, strict: true });
  const given = values as Record<string, unknown>;
  if (given['help'] === true) {
    console.log(usageText(flags, usage));
    process.exit(0);
  }
  const raw = (flag: F): string => {
    const fromFlag = given[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    return env[flagVariable(flag)] ?? flags[flag].default;
  };
  const positive = (flag: F, integer = true): number => {
    const text = raw(flag);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new Error(
        `--${flag} (or ${flagVariable(flag)}) must be a positive ${integer ? 'integer' : 'number'}, got "${text}"; e.g. --${flag} ${flags[flag].default || '3'}`,
      );
    }
    return value;
  };
  return {
    raw,
    positive,
    nonNegative: (flag, integer = true) => (raw(flag).trim() === '0' ? 0 : positive(flag, integer)),
    optionalPositive: (flag) => (raw(flag) === '' ? undefined : positive(flag)),
    list: <T extends string>(flag: F, allowed: readonly T[]): T[] => {
      const items = raw(flag)
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) {
        if (!(allowed as readonly string[]).includes(item))
          throw new Error(`--${flag}: unknown value "${item}"; e.g. --${flag} ${allowed.join(',')}`);
      }
      return items as T[];
    },
  };
}

function usageText(flags: Record<string, FlagSpec>, usage: { command: string; footer?: readonly string[] }): string {
  const lines = Object.entries(flags).map(
    ([flag, { default: fallback, help }]) =>
      `  --${flag.padEnd(24)} ${help} (default ${fallback === '' ? 'none' : fallback}; env ${flagVariable(flag)})`,
  );
  return [`${usage.command} -- [flags]`, '', ...lines, '', ...(usage.footer ?? [])].join('\n');
}
