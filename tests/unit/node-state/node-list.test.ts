import { describe, expect, it } from 'vitest';

import { parseNodeFilter } from '@/lib/node-state/node-filter';
import { nodeListOf } from '@/lib/node-state/node-list';
import { compareWorstFirst, parseNodePage } from '@/lib/node-state/node-order';
import { NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';

const view = (name: string, state: NodeState, agents = ['gpu-health-monitor']): NodeView => ({
  name,
  state,
  stateSince: 0,
  lastEventAt: null,
  lastCheck: null,
  fatalCount: 0,
  openFaults: 0,
  agents,
  checks: ['GpuXidError'],
  session: null,
  releasedAt: null,
  quarantineRequested: false,
});
const counts = Object.fromEntries(NODE_STATES.map((state) => [state, 0])) as Record<NodeState, number>;

describe('the Nodes page, paged on the server', () => {
  it('orders worst first, then by name with numbers in numeric order', () => {
    const names = ['gpu-node-10', 'gpu-node-2', 'gpu-node-1'].map((name) => view(name, 'healthy'));
    const sorted = [
      view('gpu-node-9', 'healthy'),
      ...names,
      view('gpu-node-50', 'drain-failed'),
      view('gpu-node-3', 'unhealthy'),
    ].sort(compareWorstFirst);
    expect(sorted.map((node) => node.name)).toEqual([
      'gpu-node-50',
      'gpu-node-3',
      'gpu-node-1',
      'gpu-node-2',
      'gpu-node-9',
      'gpu-node-10',
    ]);
  });

  it('sends one page of the matching nodes, with how many match and the pages', () => {
    const all = Array.from({ length: 250 }, (_, index) =>
      view(`node-${index}`, index % 5 === 0 ? 'unhealthy' : 'healthy'),
    );
    const first = nodeListOf(all, counts, {}, { page: 0, pageSize: 100 });
    expect(first.nodes).toHaveLength(100);
    expect(first.nodes.slice(0, 50).every((node) => node.state === 'unhealthy')).toBe(true);
    expect([first.matching, first.pages, first.total]).toEqual([250, 3, 250]);
    const last = nodeListOf(all, counts, {}, { page: 2, pageSize: 100 });
    expect(last.nodes.map((node) => node.name).at(-1)).toBe('node-249');
    expect(last.nodes).toHaveLength(50);
    // Past the end: the last page, not an empty one.
    expect(nodeListOf(all, counts, {}, { page: 9, pageSize: 100 }).page).toBe(2);
    const unhealthy = nodeListOf(all, counts, parseNodeFilter(new URLSearchParams('state=unhealthy')), {
      page: 0,
      pageSize: 100,
    });
    expect([unhealthy.matching, unhealthy.pages]).toEqual([50, 1]);
  });

  it('reads ?page= (1-based) and ?pageSize=, falling back on nonsense', () => {
    expect(parseNodePage(new URLSearchParams('page=3&pageSize=50'))).toEqual({ page: 2, pageSize: 50 });
    expect(parseNodePage(new URLSearchParams(''))).toEqual({ page: 0, pageSize: 100 });
    expect(parseNodePage(new URLSearchParams('page=-1&pageSize=abc'))).toEqual({ page: 0, pageSize: 100 });
    expect(parseNodePage({ page: '2', pageSize: '100000' })).toEqual({ page: 1, pageSize: 1000 });
  });
});
