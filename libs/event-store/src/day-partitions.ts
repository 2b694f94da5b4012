/**
 * `event_store.events` is range-partitioned on kafka_timestamp, one partition per UTC day,
 * named `events_pYYYYMMDD`. Retention drops whole days; these pure helpers say which day a
 * timestamp belongs to and what a day's partition is called and covers.
 */
const DAY_MS = 86_400_000;
const PARTITION_NAME = /^events_p(\d{4})(\d{2})(\d{2})$/;

/** Midnight UTC of the day holding `at`. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

/** `events_p20250131` for any time on 2025-01-31 (UTC). */
export function partitionName(at: Date): string {
  return `events_p${utcDay(at).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** The day a partition named by `partitionName` covers, or undefined for any other table name. */
export function partitionDay(name: string): Date | undefined {
  const match = PARTITION_NAME.exec(name);
  if (match === null) return undefined;
  const day = new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || partitionName(day) !== name ? undefined : day;
}

/** A day partition is older than `cutoff` when its whole range [day, day + 1) lies before it. */
export function partitionEndsBefore(day: Date, cutoff: Date): boolean {
  return addDays(day, 1).getTime() <= cutoff.getTime();
}
