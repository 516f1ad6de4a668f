// Moving between the chart's bar segments from the keyboard: the chart is one Tab stop, and the
// arrow keys go from segment to segment (left and right along time, up and down the stack), so a
// chart of 60 buckets by 9 series is not 540 Tab presses. Only segments with events are drawn,
// so only those are visited.

export interface SegmentPosition {
  /** The bucket's position, oldest first. */
  row: number;
  /** The series' position: 0 is the bottom of the stack. */
  series: number;
}

type Rows = readonly { counts: readonly number[]; inProgress?: boolean }[];

const hasEvents = (rows: Rows, row: number, series: number) => (rows[row]?.counts[series] ?? 0) > 0;

function nearestInRow(rows: Rows, row: number, series: number): SegmentPosition | null {
  const counts = rows[row]?.counts ?? [];
  for (let distance = 0; distance < counts.length; distance += 1) {
    if (hasEvents(rows, row, series - distance)) return { row, series: series - distance };
    if (hasEvents(rows, row, series + distance)) return { row, series: series + distance };
  }
  return null;
}

/** Where the chart's Tab stop sits first: the bottom segment of the newest bucket that has closed, else of the newest. */
export function firstSegment(rows: Rows): SegmentPosition | null {
  for (const closedOnly of [true, false]) {
    for (let row = rows.length - 1; row >= 0; row -= 1) {
      if (closedOnly && rows[row].inProgress) continue;
      const found = nearestInRow(rows, row, 0);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The segment a key moves to from `at`: ArrowLeft / ArrowRight the nearest bucket with events (the
 * same series when it has some there, else the nearest in the stack), ArrowUp / ArrowDown the next
 * segment up or down the stack, Home / End the oldest or newest bucket with events. Null for any
 * other key, or when there is nowhere to go (the caller keeps its place).
 */
export function moveSegment(rows: Rows, at: SegmentPosition, key: string): SegmentPosition | null {
  const along = (start: number, step: number): SegmentPosition | null => {
    for (let row = start; row >= 0 && row < rows.length; row += step) {
      const found = nearestInRow(rows, row, at.series);
      if (found) return found;
    }
    return null;
  };
  const stack = (step: number): SegmentPosition | null => {
    const counts = rows[at.row]?.counts ?? [];
    for (let series = at.series + step; series >= 0 && series < counts.length; series += step)
      if (hasEvents(rows, at.row, series)) return { row: at.row, series };
    return null;
  };
  switch (key) {
    case 'ArrowLeft':
      return along(at.row - 1, -1);
    case 'ArrowRight':
      return along(at.row + 1, 1);
    case 'ArrowUp':
      return stack(1);
    case 'ArrowDown':
      return stack(-1);
    case 'Home':
      return along(0, 1);
    case 'End':
      return along(rows.length - 1, -1);
    default:
      return null;
  }
}
