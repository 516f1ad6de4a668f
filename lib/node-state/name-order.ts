// Each node name's place in natural order (numbers in a name compared as numbers: gpu-2 before
// gpu-10; names with the same natural key by their text: ./node-order.ts's compareNames), kept
// between requests, so a request that sorts 100,000 nodes compares their places, numbers, instead of
// looking up and comparing padded names (./page-order.ts). A node that joins is merged in (its name
// sorted with the other newcomers, then one pass over the names known): a full ranking of 100,000
// names for each newcomer took longer than the request it served.
import { compareNames, naturalKey } from './node-order';

interface Ranked {
  name: string;
  key: string;
}

/** Every name known, in order; `places` gives each one's index. */
let ranked: Ranked[] = [];
let places = new Map<string, number>();
/** The most names one request asked for: names long gone are dropped once four times as many are known. */
let largestRequest = 0;

const byKey = (a: Ranked, b: Ranked) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : compareNames(a.name, b.name));

/** The place of each of `names` (aligned with it) in natural order. */
export function namePlaces(names: readonly string[]): Uint32Array {
  largestRequest = Math.max(largestRequest, names.length);
  const found = new Uint32Array(names.length);
  for (let index = 0; index < names.length; index += 1) {
    const place = places.get(names[index]);
    if (place === undefined) {
      add(names);
      return namePlaces(names);
    }
    found[index] = place;
  }
  return found;
}

/** Merges the names not known yet into the order (or, with too many gone, ranks `names` afresh). */
function add(names: readonly string[]): void {
  const known = ranked.length > 4 * largestRequest + 1_000 ? [] : ranked;
  const knownNames = known === ranked ? places : new Map<string, number>();
  const newcomers = [...new Set(names.filter((name) => !knownNames.has(name)))]
    .map((name) => ({ name, key: naturalKey(name) }))
    .sort(byKey);
  const merged: Ranked[] = [];
  let left = 0;
  let right = 0;
  while (left < known.length || right < newcomers.length) {
    if (right >= newcomers.length || (left < known.length && byKey(known[left], newcomers[right]) < 0))
      merged.push(known[left++]);
    else merged.push(newcomers[right++]);
  }
  ranked = merged;
  places = new Map(merged.map(({ name }, place) => [name, place]));
}
