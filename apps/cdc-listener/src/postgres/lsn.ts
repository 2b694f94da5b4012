/**
 * PostgreSQL log sequence numbers: a 64-bit byte position in the WAL, written `X/Y` (the high
 * and low 32 bits in hex). Kept as bigint inside the listener, so comparisons are exact.
 */

/** `0/16B3748` → 23803720n. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) throw new Error(`not a PostgreSQL LSN: "${text}" (expected e.g. 0/16B3748)`);
  return (BigInt(`0x${match[1] ?? '0'}`) << 32n) | BigInt(`0x${match[2] ?? '0'}`);
}

/** 23803720n → `0/16B3748`, as PostgreSQL prints it (upper-case hex, no padding). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
