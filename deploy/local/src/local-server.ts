export type ServerName = 'kafka' | 'postgres' | 'mongodb' | 'rabbitmq';

export interface ServerStatus {
  up: boolean;
  detail: string;
}

export type Log = (line: string) => void;

/** One server deploy/local manages. Every method is safe to call whatever state the server is in. */
export interface LocalServer {
  readonly name: ServerName;
  /** Work that must not run beside another server's (mvn fetches share ~/.m2 without locking). */
  prepare?(log: Log): Promise<void>;
  /** Reuses a healthy server, (re)starts a missing or broken one, and returns once it answers. */
  ensureRunning(log: Log): Promise<void>;
  /** Stops the server only if we started it; leaves its data. */
  stop(log: Log): Promise<void>;
  status(): Promise<ServerStatus>;
}
