/**
 * Wait for an outcome by polling with a deadline — never sleep-then-assert. The last
 * failure is reported when the deadline passes, so a timeout says what was still wrong.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description?: string;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.description ?? 'the expected outcome'}${cause}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
