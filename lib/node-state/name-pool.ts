// Names that recur on every node (check names, agents, check keys such as "SysLogsXIDError|GPU:3")
// held once per process instead of once per node: the node projection of a 100,000-node fleet
// otherwise keeps millions of copies of a few hundred strings (a third of its memory, measured by
// a heap snapshot at 20,000 nodes). Bounded: a monitor that names entities uniquely (GPU UUIDs,
// PCI addresses) gains nothing from a pool, so past the bound a name is kept as it came.
const POOL_LIMIT = 50_000;

const pool = new Map<string, string>();

/** The pool's copy of `name` (the first one seen), or `name` itself once the pool is full. */
export function pooledName(name: string): string {
  const held = pool.get(name);
  if (held !== undefined) return held;
  if (pool.size < POOL_LIMIT) pool.set(name, name);
  return name;
}
