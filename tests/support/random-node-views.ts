// Node views drawn from a repeatable pseudo-random sequence (a failure names the same case again),
// for the tests that hold the Nodes page's server-side ordering to compareBy: values repeat often,
// so ties decide much of the order; names carry numbers of every length, some pairs the same natural
// key; some nodes have no event.
import { NODE_STATES, type NodeView } from '@/lib/node-state/node-view';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function randomNodeViews(count: number, seed: number): NodeView[] {
  const next = random(seed);
  const pools = ['gpu', 'dgx-h100', 'node', 'a100-rack'];
  const views: NodeView[] = Array.from({ length: count }, (_, index) => ({
    name: `${pools[index % pools.length]}-${Math.floor(next() * 40)}-${index}`,
    state: NODE_STATES[Math.floor(next() * NODE_STATES.length)],
    stateSince: Math.floor(next() * 20) * 60_000,
    lastEventAt: next() < 0.15 ? null : 1_765_000_000_000 + Math.floor(next() * 20) * 1_000,
    lastCheck: null,
    fatalCount: Math.floor(next() * 4),
    openFaults: Math.floor(next() * 3),
    agents: [],
    checks: [],
    session: null,
    releasedAt: null,
    quarantineRequested: false,
  }));
  // Every 25th node is named as the one before it with a zero in front of its first number
  // ("gpu-7-24", "gpu-07-24"): the same natural key, so only the name's text can order the two.
  for (let index = 25; index < count; index += 25)
    views[index] = { ...views[index], name: views[index - 1].name.replace(/-(\d+)-/, '-0$1-') };
  return views;
}

export const namesOf = (views: readonly NodeView[]) => views.map((view) => view.name);
