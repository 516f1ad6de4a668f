// Each node name's place in natural order (numbers in a name compared as numbers: gpu-2 before
// gpu-10, as ./node-order.ts's naturalKey orders them), kept between requests. Names come and go
// rarely, so ranking them again is rare, and a request that sorts 100,000 nodes compares their places,
// numbers, instead of looking up and comparing padded names (./page-order.ts).
import { naturalKey } from './node-order';

let places = new Map<string, number>();

/** The place of each of `names` (aligned with it) in natural order; names with the same natural key by their text. */
export function namePlaces(names: readonly string[]): Uint32Array {
  const found = new Uint32Array(names.length);
  for (let index = 0; index < names.length; index += 1) {
    const place = places.get(names[index]);
    if (place === undefined) {
      rank(names);
      return namePlaces(names);
    }
    found[index] = place;
  }
  return found;
}

/** Ranks the names known and `names` together; names long gone (more known than four times those asked) are dropped. */
function rank(names: readonly string[]): void {
  const known = places.size > 4 * names.length + 1_000 ? [] : [...places.keys()];
  const keyed = [...new Set([...known, ...names])].map((name) => ({ name, key: naturalKey(name) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  places = new Map(keyed.map(({ name }, place) => [name, place]));
}
