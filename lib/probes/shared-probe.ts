// One probe at a time, its answer shared: concurrent callers wait for the probe in flight, and
// callers within `ttlMs` of its end get its answer (with the time it was taken). Health and
// readiness answer anonymous callers; however many ask, the databases see one probe per interval.

interface Entry<T> {
  inFlight?: Promise<T>;
  value?: T;
  at?: number;
}

export function sharedProbe<T>(probe: () => Promise<T>, ttlMs: number, key: () => string = () => ''): () => Promise<T> {
  const entries = new Map<string, Entry<T>>();
  return () => {
    const name = key();
    let entry = entries.get(name);
    if (!entry) {
      entry = {};
      entries.set(name, entry);
    }
    if (entry.at !== undefined && performance.now() - entry.at < ttlMs) return Promise.resolve(entry.value as T);
    if (entry.inFlight) return entry.inFlight;
    const current = entry;
    current.inFlight = probe().then(
      (value) => {
        current.value = value;
        current.at = performance.now();
        current.inFlight = undefined;
        return value;
      },
      (error: unknown) => {
        current.inFlight = undefined;
        throw error;
      },
    );
    return current.inFlight;
  };
}
