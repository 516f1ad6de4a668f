// The server's page of the Nodes list (lib/node-state/page-order.ts, numbers in typed arrays) is in
// exactly the order compareBy defines (lib/node-state/node-sort.ts), which the browser re-sorts its
// page with: every column, both directions, nodes without a last event, pages at either end and in
// the middle. Were the two to differ, a live re-sort in the browser would move rows the server placed.
import { describe, expect, it } from 'vitest';

import { NODE_SORT_COLUMNS, compareBy, type NodeSort } from '../../../lib/node-state/node-sort';
import { NODE_STATES, type NodeView } from '../../../lib/node-state/node-view';
import { orderedPage } from '../../../lib/node-state/page-order';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Nodes whose values repeat often (so ties decide much of the order), names with numbers of every length. */
function nodes(count: number, seed: number): NodeView[] {
  const next = random(seed);
  const pools = ['gpu', 'dgx-h100', 'node', 'a100-rack'];
  return Array.from({ length: count }, (_, index) => ({
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
}

const names = (views: NodeView[]) => views.map((view) => view.name);

describe("the server's Nodes page order", () => {
  const all = nodes(2_000, 11);
  const sorts: NodeSort[] = NODE_SORT_COLUMNS.flatMap((column) => [
    { column, dir: 'asc' as const },
    { column, dir: 'desc' as const },
  ]);

  for (const sort of sorts) {
    it(`is compareBy's order, sort=${sort.column}&dir=${sort.dir}, at the first, middle and last pages`, () => {
      const expected = names([...all].sort(compareBy(sort)));
      for (const from of [0, 100, 400, 900, 1_000, 1_500, 1_900])
        expect(names(orderedPage(all, sort, from, from + 100)), `from ${from}`).toEqual(
          expected.slice(from, from + 100),
        );
    });
  }

  it('is worst first, then by name in natural order, without a sort asked', () => {
    const page = orderedPage(
      nodes(3, 1).map((view, index) => ({ ...view, name: ['gpu-10', 'gpu-9', 'gpu-100'][index], state: 'healthy' })),
      undefined,
      0,
      100,
    );
    expect(names(page)).toEqual(['gpu-9', 'gpu-10', 'gpu-100']);
  });

  it('orders names that appear later among those ranked before (a node joins the fleet)', () => {
    const first = nodes(50, 3);
    orderedPage(first, { column: 'name', dir: 'asc' }, 0, 100);
    const joined = [...first, { ...first[0], name: 'gpu-0-joined' }, { ...first[1], name: 'zz-last' }];
    expect(names(orderedPage(joined, { column: 'name', dir: 'asc' }, 0, 100))).toEqual(
      names([...joined].sort(compareBy({ column: 'name', dir: 'asc' }))),
    );
  });
});
