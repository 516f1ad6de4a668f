// Rows that hold their place while the Nodes list re-sorts live: the row under the pointer and the
// row holding keyboard focus (its link or its bulk-selection tick box). We pin those rows at the
// position they had rather than freezing the whole list until the pointer leaves the table: a pointer
// resting anywhere over the table would otherwise keep every row out of order for as long as it
// rests there, while only the row about to be clicked or ticked matters. The rest re-sort around it;
// once unpinned it takes its place. A pinned row that left the page (or the filter) stays shown,
// with its newest values, until it is unpinned, so a row never vanishes from under the pointer.

export interface PinnedRow<T> {
  name: string;
  /** Its position when pinned. */
  index: number;
  /** Its newest view known, shown if the page no longer has it. */
  view: T;
}

/** `ordered` with each pinned row at its pinned position (its own view from `ordered` when there). */
export function withPinnedRows<T extends { name: string }>(ordered: readonly T[], pins: readonly PinnedRow<T>[]): T[] {
  if (pins.length === 0) return [...ordered];
  const pinned = new Set(pins.map((pin) => pin.name));
  const rows = ordered.filter((row) => !pinned.has(row.name));
  const seen = new Set<string>();
  for (const pin of [...pins].sort((a, b) => a.index - b.index)) {
    if (seen.has(pin.name)) continue;
    seen.add(pin.name);
    const view = ordered.find((row) => row.name === pin.name) ?? pin.view;
    rows.splice(Math.min(pin.index, rows.length), 0, view);
  }
  return rows;
}
