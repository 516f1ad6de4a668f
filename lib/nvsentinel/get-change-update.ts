// How NVSentinel writes a Kubernetes object: GET it, change it in memory, PUT it back with the
// resourceVersion it read; a 409 Conflict (someone wrote in between) starts over with a fresh read
// (fault-quarantine/pkg/informer/k8s_client.go:158-208: 10 steps, 20 ms doubling). The console's
// uncordon and the simulated fault-quarantine both write this way.

export interface GetChangeUpdate<T> {
  read(): Promise<T>;
  /** Changes the object in place; false: nothing to write (the read object is answered). */
  change(object: T): boolean;
  write(object: T): Promise<T>;
  attempts?: number;
  firstWaitMs?: number;
}

const isConflict = (error: unknown) => (error as { code?: number }).code === 409;

export async function getChangeUpdate<T>({
  read,
  change,
  write,
  attempts = 10,
  firstWaitMs = 20,
}: GetChangeUpdate<T>): Promise<T> {
  for (let attempt = 1, waitMs = firstWaitMs; ; attempt += 1, waitMs *= 2) {
    const object = await read();
    if (!change(object)) return object;
    try {
      return await write(object);
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
