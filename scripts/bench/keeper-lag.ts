// How far the keeper trails a paced writer (the keeper benchmark's sustained phase). Pure,
// unit-tested: the writer reports after each committed batch how many events it had written in
// all and when; the keeper's progress is how many of them the roll-ups have counted.

/** After a batch committed: `written` events in all by then, at `at` (ms, wall clock). */
export interface WriterProgress {
  at: number;
  written: number;
}

/**
 * Milliseconds the keeper trails the writer at `now`: the age of the oldest event it has not
 * counted (committed at `at` of the first batch that took the total past `counted`); 0 when it has
 * counted everything written. `progress` is in the writer's order (`written` rising).
 */
export function keeperLagMs(progress: readonly WriterProgress[], counted: number, now: number): number {
  // Binary search: the first batch whose total passes what was counted.
  let low = 0;
  let high = progress.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (progress[middle].written > counted) high = middle;
    else low = middle + 1;
  }
  return low === progress.length ? 0 : Math.max(0, now - progress[low].at);
}
