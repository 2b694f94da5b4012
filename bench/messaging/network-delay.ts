/**
 * A network round trip on loopback, for the bench: every write this process makes to the
 * broker's port is held for `ms` before it goes out (requests only; responses come back at
 * loopback speed), so each Kafka request pays `ms` of extra round-trip time — as across a
 * real network, where an awaited send per message pays a round trip each and a coalesced
 * batch pays one for all. Applies to every Kafka client of the process alike (runtime and
 * baselines); writes keep their order (timers of equal delay fire in the order they were set).
 */
import { Socket } from 'node:net';

export function addRoundTripDelay(ms: number, brokerPorts: ReadonlySet<number>): void {
  if (ms <= 0) return;
  type Write = (this: Socket, chunk: unknown, ...rest: unknown[]) => boolean;
  // Taken off the prototype on purpose, to be called with each socket as `this`.
  const write = Reflect.get(Socket.prototype, 'write') as Write;
  const delayed: Write = function (this: Socket, chunk, ...rest) {
    if (this.remotePort === undefined || !brokerPorts.has(this.remotePort)) return write.call(this, chunk, ...rest);
    setTimeout(() => {
      if (!this.destroyed) write.call(this, chunk, ...rest);
    }, ms);
    return true;
  };
  (Socket.prototype as unknown as { write: Write }).write = delayed;
}
