/** Progress lines on stderr, so stdout holds only the table and the JSON line. */
const started = performance.now();

export function progress(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1_000).toFixed(1)} s] ${message}\n`);
}
