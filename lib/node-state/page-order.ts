// The Nodes page's order at 100,000 nodes. compareBy (./node-sort.ts) is the order's definition and
// what the browser re-sorts its page of 100 with. A page near either end of the list is picked with
// it (./sorted-slice.ts: nearly every node costs one comparison). A page in the middle needs every
// matching node sorted, and sorting 100,000 with compareBy compared padded names about two million
// times (over 100 ms). There each node gets one number that sorts as compareBy orders, built from
// the column value's place among the values, the state's worst-first rank and the name's place in
// natural order (./name-order.ts), and the numbers are sorted natively.
import { namePlaces } from './name-order';
import { NODE_SEVERITY_ORDER } from './node-order';
import { DEFAULT_NODE_SORT, columnValue, compareBy, type NodeSort } from './node-sort';
import type { NodeView } from './node-view';
import { pickedSlice } from './sorted-slice';

/** Worst-first ranks fit in four bits: nine states, and 15 for a state this console does not know (all after). */
const RANK = new Map(NODE_SEVERITY_ORDER.map((state, index) => [state, index]));
const UNKNOWN_RANK = 15;
/** Names placed below this fit beside the rest in one exact number (2^22: four million names). */
const NAME_SPAN = 2 ** 22;

/** `matching` in `sort`'s order (compareBy's), from `from` to `to` (as `slice`). */
export function orderedPage(
  matching: readonly NodeView[],
  sort: NodeSort = DEFAULT_NODE_SORT,
  from: number,
  to: number,
): NodeView[] {
  const compare = compareBy(sort);
  const picked = pickedSlice(matching, compare, from, to);
  if (picked) return picked;
  const places = namePlaces(matching.map((view) => view.name));
  let highest = 0;
  for (const place of places) highest = Math.max(highest, place);
  // Beyond four million names the numbers would not be exact: sort as defined.
  if (highest >= NAME_SPAN) return [...matching].sort(compare).slice(from, to);
  // By the name's place (an array: a Map of 100,000 numbers took longer than the sort).
  const byPlace: (NodeView | undefined)[] = new Array(highest + 1);
  for (let index = 0; index < matching.length; index += 1) {
    // A name twice (no projection lists one so) would leave one of them out: sort as defined.
    if (byPlace[places[index]]) return [...matching].sort(compare).slice(from, to);
    byPlace[places[index]] = matching[index];
  }
  const keys = sortKeys(matching, places, sort);
  keys.sort();
  const page: NodeView[] = [];
  const end = Math.min(to, keys.length);
  for (let position = Math.max(0, from); position < end; position += 1) {
    // Name order descending is the ascending order reversed (names are unique); every other key ends with the name's place.
    const key = sort.column === 'name' && sort.dir === 'desc' ? keys[keys.length - 1 - position] : keys[position];
    page.push(byPlace[key - Math.floor(key / NAME_SPAN) * NAME_SPAN]!);
  }
  return page;
}

/**
 * One integer per node, ascending in compareBy's order: (value's place among the distinct values,
 * signed by the direction, nodes without a value after all) × 16 + worst-first rank, × NAME_SPAN +
 * the name's place. For sort=name, the name's place alone.
 */
function sortKeys(matching: readonly NodeView[], places: Uint32Array, sort: NodeSort): Float64Array {
  const keys = new Float64Array(matching.length);
  if (sort.column === 'name') {
    keys.set(places);
    return keys;
  }
  const value = columnValue[sort.column];
  const values = new Float64Array(matching.length);
  let present = 0;
  for (const view of matching) {
    const found = value(view);
    if (found !== null) values[present++] = found;
  }
  const distinct = distinctSorted(values.subarray(0, present));
  const sign = sort.dir === 'asc' ? 1 : -1;
  for (let index = 0; index < matching.length; index += 1) {
    const view = matching[index];
    const found = value(view);
    const order = found === null ? distinct.length : sign * placeIn(distinct, found);
    keys[index] = (order * 16 + (RANK.get(view.state) ?? UNKNOWN_RANK)) * NAME_SPAN + places[index];
  }
  return keys;
}

function distinctSorted(values: Float64Array): Float64Array {
  const sorted = Float64Array.from(values).sort();
  let kept = 0;
  for (let index = 0; index < sorted.length; index += 1)
    if (index === 0 || sorted[index] !== sorted[kept - 1]) sorted[kept++] = sorted[index];
  return sorted.subarray(0, kept);
}

/** The index of `value` in the sorted `distinct` (it is there). */
function placeIn(distinct: Float64Array, value: number): number {
  let low = 0;
  let high = distinct.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (distinct[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
