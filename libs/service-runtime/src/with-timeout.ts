/**
 * Rejects when `promise` has not settled within `ms` — with `Error(message)`, or with the
 * error `timeoutError` makes — and the timer never outlives it.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: string | (() => Error),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(typeof timeoutError === 'string' ? new Error(timeoutError) : timeoutError()),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
