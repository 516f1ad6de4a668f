// A drag across the Throughput chart as a time: the buckets whose bars the dragged stretch of the x
// axis touches, from the first one's start to the last one's end. A pointer that moves less than a
// few pixels between down and up is a click (it opens a segment's events), not a drag.

/** Movement below this is a click's tremble, not a drag. */
export const DRAG_THRESHOLD_PX = 6;

/** A bucket and where its bar is drawn along the x axis (pixels). */
export interface BucketEdge {
  start: number;
  end: number;
  left: number;
  right: number;
}

/** The time of the buckets between two x positions (either order), or null when it touches none. */
export function bucketsUnder(edges: readonly BucketEdge[], a: number, b: number): { from: number; to: number } | null {
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  const touched = edges.filter((edge) => edge.right >= low && edge.left <= high);
  if (touched.length === 0) return null;
  return {
    from: Math.min(...touched.map((edge) => edge.start)),
    to: Math.max(...touched.map((edge) => edge.end)),
  };
}
