/** What `/readyz` asks of a messaging part (structurally the service runtime's ReadinessCheck). */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}
