/**
 * Versioned data schemas and upcasting.
 *
 * Each event type has versions 1..n. Version k > 1 declares how to turn version k-1 data into
 * version k data, so a consumer built against version n still reads every older event on a
 * topic (retained messages, replays from the event store, producers not yet redeployed).
 * Decoding validates data against the schema of the version it was written with, then
 * upcasts one step at a time, validating after each step, so every upcast only ever sees
 * valid input of its own version and a faulty upcast is caught at the step that broke it.
 * A version the consumer does not know (newer than its code) is `SchemaUnknown`: it cannot
 * be downcast, so the runtime dead-letters it with the reason.
 */
import { z } from 'zod';
import { EventDataInvalid, SchemaUnknown } from './errors';

/** One data-schema version of an event type. */
export interface SchemaVersion {
  readonly version: number;
  readonly schema: z.ZodType;
  /** Turns validated data of version `version - 1` into this version's data; absent for version 1. */
  readonly upcast?: (previous: unknown) => unknown;
}

/** The versions of one event type, oldest first; `Latest` is the schema handlers are typed by. */
export interface VersionHistory<Latest extends z.ZodType = z.ZodType> {
  readonly versions: readonly SchemaVersion[];
  readonly latest: Latest;
  readonly latestVersion: number;
  /**
   * Adds the next version. `upcast` is typed from the current latest data to the new
   * version's data, so a schema change that the upcast does not handle fails to compile.
   */
  addVersion<Next extends z.ZodType>(
    schema: Next,
    upcast: (previous: z.output<Latest>) => z.input<Next>,
  ): VersionHistory<Next>;
}

/** Event type name to its version history: the shape of the catalogue and of test catalogues. */
export type SchemaRegistry = Readonly<Record<string, VersionHistory>>;

/** The data a handler sees for a history: its latest version's output. */
export type LatestData<H extends VersionHistory> = z.output<H['latest']>;

/** Starts the history of an event type with its version 1 schema. */
export function versionHistory<First extends z.ZodType>(schema: First): VersionHistory<First> {
  return historyOf([{ version: 1, schema }], schema);
}

function historyOf<Latest extends z.ZodType>(
  versions: readonly SchemaVersion[],
  latest: Latest,
): VersionHistory<Latest> {
  return {
    versions,
    latest,
    latestVersion: versions.length,
    addVersion<Next extends z.ZodType>(schema: Next, upcast: (previous: z.output<Latest>) => z.input<Next>) {
      // The decoder calls `upcast` only with data that passed the previous version's schema.
      const step: SchemaVersion = {
        version: versions.length + 1,
        schema,
        upcast: upcast as (previous: unknown) => unknown,
      };
      return historyOf([...versions, step], schema);
    },
  };
}

/** The history of `type` in `registry`, or `undefined` when the type is not in it. */
export function historyFor(registry: SchemaRegistry, type: string): VersionHistory | undefined {
  return Object.prototype.hasOwnProperty.call(registry, type) ? registry[type] : undefined;
}

/**
 * Parses a `schemaversion` attribute. CloudEvents extensions travel as strings, so only a
 * plain positive integer is a version; anything else is unknown rather than coerced.
 */
export function parseSchemaVersion(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : undefined;
}

/**
 * Validates `data` written as `version` of `type` and upcasts it to the latest version.
 * Throws `SchemaUnknown` for an unknown type or version, `EventDataInvalid` for data that
 * breaks its version's schema or cannot be upcast.
 */
export function upcastToLatest(
  registry: SchemaRegistry,
  type: string,
  version: number,
  data: unknown,
): { readonly version: number; readonly data: unknown } {
  const history = historyFor(registry, type);
  if (history === undefined) throw new SchemaUnknown(`unknown event type "${type}"`);
  const written = history.versions[version - 1];
  if (written === undefined) {
    throw new SchemaUnknown(`unknown schema version ${version} for "${type}" (known: 1..${history.latestVersion})`);
  }
  let current = validate(written, data, `data of ${type} v${version} is invalid`);
  for (const step of history.versions.slice(version)) {
    let upcast: unknown;
    try {
      upcast = step.upcast === undefined ? current : step.upcast(current);
    } catch (error) {
      throw new EventDataInvalid(
        `data of ${type} v${step.version - 1} cannot be upcast to v${step.version}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    current = validate(
      step,
      upcast,
      `upcast of ${type} v${step.version - 1} to v${step.version} produced invalid data`,
    );
  }
  return { version: history.latestVersion, data: current };
}

function validate(version: SchemaVersion, data: unknown, problem: string): unknown {
  const parsed = version.schema.safeParse(data);
  if (!parsed.success) throw new EventDataInvalid(`${problem}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
