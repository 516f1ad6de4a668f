// Waiting for work with a limit, without abandoning it: a probe or a scrape answers in time while
// a slow start (the live hub loading its snapshot) goes on in the background.
export type Settled<T> = { status: 'done'; value: T } | { status: 'failed'; error: Error } | { status: 'timed-out' };

export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timed-out' }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        (value): Settled<T> => ({ status: 'done', value }),
        (error: unknown): Settled<T> => ({
          status: 'failed',
          error: error instanceof Error ? error : new Error(String(error)),
        }),
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The work's value, or its error; a timeout is an error that says how long was waited and for what. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const settled = await settleWithin(work, ms);
  if (settled.status === 'done') return settled.value;
  if (settled.status === 'failed') throw settled.error;
  throw new Error(`${what} did not answer within ${ms / 1000} s`);
}
