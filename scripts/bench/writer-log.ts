// What the live benchmark's writer wrote, per node, for finding the oldest change behind a batch
// of node views (each view shows only its node's newest event). Pure, unit-tested.

export interface WriterLog {
  nodes: number;
  /** Per node index, the createdAt (ms) of each event written to it, in time order. */
  times: number[][];
}

/** Logs an event of `node` created at `at`, in time order (concurrent writes may report out of order). */
export function addWrite(log: WriterLog, node: number, at: number): void {
  const times = (log.times[node] ??= []);
  let index = times.length;
  while (index > 0 && times[index - 1] > at) index -= 1;
  times.splice(index, 0, at);
}

/**
 * A client was shown `nodes` (node index, the view's lastEventAt): marks every logged event of
 * those nodes up to lastEventAt as shown (`shown[node]` counts them) and returns the oldest of the
 * newly shown ones, or null when the batch showed no new event.
 */
export function coveredChanges(
  log: WriterLog,
  shown: Int32Array,
  nodes: readonly (readonly [number, number])[],
): number | null {
  let oldest: number | null = null;
  for (const [node, lastEventAt] of nodes) {
    const times = log.times[node] ?? [];
    let next = shown[node];
    if (next < times.length && times[next] <= lastEventAt && (oldest === null || times[next] < oldest))
      oldest = times[next];
    while (next < times.length && times[next] <= lastEventAt) next += 1;
    shown[node] = next;
  }
  return oldest;
}
