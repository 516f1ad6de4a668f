// The Nodes page's column sort: each column in both directions, ties worst first then by name, a
// node without events last either way, the URL form and its refusals, and the header's clicks.
import { describe, expect, it } from 'vitest';

import { nodeListOf } from '@/lib/node-state/node-list';
import {
  compareBy,
  DEFAULT_NODE_SORT,
  nextSort,
  nodeSortToSearch,
  parseNodeSort,
  type NodeSort,
} from '@/lib/node-state/node-sort';
import { NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';

const view = (name: string, state: NodeState, fields: Partial<NodeView> = {}): NodeView => ({
  name,
  state,
  stateSince: 0,
  lastEventAt: null,
  lastCheck: null,
  fatalCount: 0,
  openFaults: 0,
  agents: [],
  checks: [],
  session: null,
  releasedAt: null,
  quarantineRequested: false,
  ...fields,
});
const counts = Object.fromEntries(NODE_STATES.map((state) => [state, 0])) as Record<NodeState, number>;

const nodes = [
  view('gpu-10', 'healthy', { stateSince: 100, lastEventAt: 900, fatalCount: 2, openFaults: 0 }),
  view('gpu-2', 'drain-failed', { stateSince: 300, lastEventAt: 700, fatalCount: 5, openFaults: 1 }),
  view('gpu-3', 'unhealthy', { stateSince: 200, lastEventAt: null, fatalCount: 2, openFaults: 3 }),
  view('gpu-1', 'healthy', { stateSince: 400, lastEventAt: 800, fatalCount: 0, openFaults: 0 }),
];
const order = (sort: NodeSort) => [...nodes].sort(compareBy(sort)).map((node) => node.name);

describe('the Nodes page sorted by a column', () => {
  it('sorts by name, numbers in numeric order', () => {
    expect(order({ column: 'name', dir: 'asc' })).toEqual(['gpu-1', 'gpu-2', 'gpu-3', 'gpu-10']);
    expect(order({ column: 'name', dir: 'desc' })).toEqual(['gpu-10', 'gpu-3', 'gpu-2', 'gpu-1']);
  });

  it('sorts by state: worst first descending, healthy first ascending; names A to Z within a state either way', () => {
    expect(order({ column: 'state', dir: 'desc' })).toEqual(['gpu-2', 'gpu-3', 'gpu-1', 'gpu-10']);
    expect(order({ column: 'state', dir: 'asc' })).toEqual(['gpu-1', 'gpu-10', 'gpu-3', 'gpu-2']);
  });

  it('sorts by the time in state: descending is the longest in its state first', () => {
    expect(order({ column: 'inState', dir: 'desc' })).toEqual(['gpu-10', 'gpu-3', 'gpu-2', 'gpu-1']);
    expect(order({ column: 'inState', dir: 'asc' })).toEqual(['gpu-1', 'gpu-2', 'gpu-3', 'gpu-10']);
  });

  it('sorts by the last event: descending is the longest silent first; a node without events is last either way', () => {
    expect(order({ column: 'lastEvent', dir: 'desc' })).toEqual(['gpu-2', 'gpu-1', 'gpu-10', 'gpu-3']);
    expect(order({ column: 'lastEvent', dir: 'asc' })).toEqual(['gpu-10', 'gpu-1', 'gpu-2', 'gpu-3']);
  });

  it('sorts by fatal events and open faults, ties worst first then by name', () => {
    expect(order({ column: 'fatal', dir: 'desc' })).toEqual(['gpu-2', 'gpu-3', 'gpu-10', 'gpu-1']);
    expect(order({ column: 'fatal', dir: 'asc' })).toEqual(['gpu-1', 'gpu-3', 'gpu-10', 'gpu-2']);
    expect(order({ column: 'openFaults', dir: 'desc' })).toEqual(['gpu-3', 'gpu-2', 'gpu-1', 'gpu-10']);
  });

  it('pages the matching nodes in the order asked, and worst first without one', () => {
    const page = (sort?: NodeSort) =>
      nodeListOf(nodes, counts, {}, { page: 1, pageSize: 2, sort }).nodes.map((node) => node.name);
    expect(page({ column: 'fatal', dir: 'desc' })).toEqual(['gpu-10', 'gpu-1']);
    expect(page()).toEqual(['gpu-1', 'gpu-10']);
    expect(page(DEFAULT_NODE_SORT)).toEqual(page());
  });
});

describe('the sort in the URL', () => {
  it('reads ?sort= and ?dir=, the direction defaulting to the column first click', () => {
    expect(parseNodeSort(new URLSearchParams(''))).toEqual({ sort: DEFAULT_NODE_SORT, problem: null });
    expect(parseNodeSort(new URLSearchParams('sort=fatal&dir=asc')).sort).toEqual({ column: 'fatal', dir: 'asc' });
    expect(parseNodeSort(new URLSearchParams('sort=name')).sort).toEqual({ column: 'name', dir: 'asc' });
    expect(parseNodeSort({ sort: ['inState', 'name'] }).sort).toEqual({ column: 'inState', dir: 'desc' });
  });

  it.each([
    ['sort=cordoned', 'sort must be one of name, state, inState, lastEvent, fatal, openFaults (got "cordoned")'],
    ['dir=asc', 'sort must be one of name, state, inState, lastEvent, fatal, openFaults (got none)'],
    ['sort=fatal&dir=up', 'dir must be asc or desc (got "up")'],
  ])('names what is wrong in %s, falling back to worst first', (query, problem) => {
    expect(parseNodeSort(new URLSearchParams(query))).toEqual({ sort: DEFAULT_NODE_SORT, problem });
  });

  it('writes nothing for worst first, so the plain URL stays plain; every other sort reads back as written', () => {
    expect(nodeSortToSearch(DEFAULT_NODE_SORT)).toBe('');
    for (const sort of [
      { column: 'state', dir: 'asc' },
      { column: 'lastEvent', dir: 'desc' },
      { column: 'name', dir: 'asc' },
    ] as NodeSort[]) {
      expect(nodeSortToSearch(sort)).toBe(`sort=${sort.column}&dir=${sort.dir}`);
      expect(parseNodeSort(new URLSearchParams(nodeSortToSearch(sort))).sort).toEqual(sort);
    }
  });

  it('a header click sorts by its column in its first direction, and a second click turns it round', () => {
    expect(nextSort(DEFAULT_NODE_SORT, 'name')).toEqual({ column: 'name', dir: 'asc' });
    expect(nextSort(DEFAULT_NODE_SORT, 'fatal')).toEqual({ column: 'fatal', dir: 'desc' });
    expect(nextSort({ column: 'fatal', dir: 'desc' }, 'fatal')).toEqual({ column: 'fatal', dir: 'asc' });
    expect(nextSort(DEFAULT_NODE_SORT, 'state')).toEqual({ column: 'state', dir: 'asc' });
    expect(nextSort({ column: 'state', dir: 'asc' }, 'state')).toEqual(DEFAULT_NODE_SORT);
  });
});
