// One page of a sorted list without sorting the whole list. The Nodes page sorts every matching node
// on each request; at 100,000 nodes the full sort alone took about 60 ms of a first page's 160 ms.
// A page near either end needs only the nodes before it (or after it): those are picked with a bounded
// heap in one pass (for the first page, nearly every node costs one comparison with the heap's top) and
// only they are sorted. A page in the middle of a long list needs a full sort (./page-order.ts makes
// that one cheap for the Nodes page).

/** Pages whose nodes before (or after) them are at most this share of the list are picked, not sorted. */
const PICK_SHARE = 0.25;

/**
 * `items` sorted by `compare`, from `start` to `end` (as `slice`): equal to
 * `[...items].sort(compare).slice(start, end)` for a total order (the Nodes page's orders all end
 * with the node's name, which is unique).
 */
export function sortedSlice<T>(items: readonly T[], compare: (a: T, b: T) => number, start: number, end: number): T[] {
  return pickedSlice(items, compare, start, end) ?? [...items].sort(compare).slice(start, end);
}

/** sortedSlice's answer when the slice lies near either end of the list, so picking it beats sorting; else null. */
export function pickedSlice<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  start: number,
  end: number,
): T[] | null {
  const count = items.length;
  const to = Math.min(end, count);
  const from = Math.max(0, start);
  if (from >= to) return [];
  if (to <= count * PICK_SHARE) return smallest(items, compare, to).slice(from);
  if (count - from <= count * PICK_SHARE) {
    const reversed = (a: T, b: T) => compare(b, a);
    return smallest(items, reversed, count - from)
      .reverse()
      .slice(0, to - from);
  }
  return null;
}

/** The `k` first of `items` in `compare`'s order, sorted: a max-heap of the k first seen so far. */
function smallest<T>(items: readonly T[], compare: (a: T, b: T) => number, k: number): T[] {
  const heap: T[] = [];
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      siftUp(heap, heap.length - 1, compare);
    } else if (compare(item, heap[0]) < 0) {
      heap[0] = item;
      siftDown(heap, compare);
    }
  }
  return heap.sort(compare);
}

/** Moves the item at `index` up while it comes after its parent (the heap's top is the last in order). */
function siftUp<T>(heap: T[], index: number, compare: (a: T, b: T) => number): void {
  const item = heap[index];
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (compare(heap[parent], item) >= 0) break;
    heap[index] = heap[parent];
    index = parent;
  }
  heap[index] = item;
}

/** Moves the top down below every child that comes after it. */
function siftDown<T>(heap: T[], compare: (a: T, b: T) => number): void {
  const item = heap[0];
  let index = 0;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const later = right < heap.length && compare(heap[right], heap[left]) > 0 ? right : left;
    if (compare(heap[later], item) <= 0) break;
    heap[index] = heap[later];
    index = later;
  }
  heap[index] = item;
}
