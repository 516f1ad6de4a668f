// The server's page of the Nodes list (lib/node-state/page-order.ts, numbers in typed arrays) is in
// exactly the order compareBy defines (lib/node-state/node-sort.ts), which the browser re-sorts its
// page with: every column, both directions, nodes without a last event, pages at either end and in
// the middle. Were the two to differ, a live re-sort in the browser would move rows the server placed.
import { describe, expect, it } from 'vitest';

import { NODE_SORT_COLUMNS, compareBy, type NodeSort } from '../../../lib/node-state/node-sort';
import { orderedPage } from '../../../lib/node-state/page-order';

import { namesOf, randomNodeViews } from '../../support/random-node-views';

describe("the server's Nodes page order", () => {
  const all = randomNodeViews(2_000, 11);
  const sorts: NodeSort[] = NODE_SORT_COLUMNS.flatMap((column) => [
    { column, dir: 'asc' as const },
    { column, dir: 'desc' as const },
  ]);

  for (const sort of sorts) {
    it(`is compareBy's order, sort=${sort.column}&dir=${sort.dir}, at the first, middle and last pages`, () => {
      const expected = namesOf([...all].sort(compareBy(sort)));
      for (const from of [0, 100, 400, 900, 1_000, 1_500, 1_900])
        expect(namesOf(orderedPage(all, sort, from, from + 100)), `from ${from}`).toEqual(
          expected.slice(from, from + 100),
        );
    });
  }

  it('is worst first, then by name in natural order, without a sort asked', () => {
    const page = orderedPage(
      randomNodeViews(3, 1).map((view, index) => ({
        ...view,
        name: ['gpu-10', 'gpu-9', 'gpu-100'][index],
        state: 'healthy',
      })),
      undefined,
      0,
      100,
    );
    expect(namesOf(page)).toEqual(['gpu-9', 'gpu-10', 'gpu-100']);
  });

  it('orders names that appear later among those ranked before (a node joins the fleet)', () => {
    const first = randomNodeViews(50, 3);
    orderedPage(first, { column: 'name', dir: 'asc' }, 0, 100);
    const joined = [...first, { ...first[0], name: 'gpu-0-joined' }, { ...first[1], name: 'zz-last' }];
    expect(namesOf(orderedPage(joined, { column: 'name', dir: 'asc' }, 0, 100))).toEqual(
      namesOf([...joined].sort(compareBy({ column: 'name', dir: 'asc' }))),
    );
  });
});
