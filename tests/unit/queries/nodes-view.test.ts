// The Nodes page's live rule: a message changes the rows it names and the counts at once, and the
// page is sorted again in the order asked; only a change that can move a node across pages (a
// snapshot, a node arriving or leaving, a change of what it is sorted by) makes the page fetch its
// rows again.
import { describe, expect, it } from 'vitest';

import type { NodesMessage } from '@/lib/live/live-messages';
import { nodeListOf } from '@/lib/node-state/node-list';
import { DEFAULT_NODE_SORT, orderKey, type NodeSort } from '@/lib/node-state/node-sort';
import { NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';
import {
  applyNodesMessage,
  clusterMessageRefetches,
  nodesMessageReorders,
  type NodesPage,
} from '@/lib/queries/nodes-view';

const view = (name: string, state: NodeState, lastEventAt: number | null = null): NodeView => ({
  name,
  state,
  stateSince: 0,
  lastEventAt,
  lastCheck: null,
  fatalCount: 0,
  openFaults: 0,
  agents: [],
  checks: [],
  session: null,
  releasedAt: null,
  quarantineRequested: false,
});
const counts = (healthy: number, unhealthy = 0) =>
  ({ ...Object.fromEntries(NODE_STATES.map((state) => [state, 0])), healthy, unhealthy }) as Record<NodeState, number>;
const diff = (updated: NodeView[], extra: Partial<NodesMessage> = {}): NodesMessage => ({
  kind: 'diff',
  new: [],
  updated,
  deleted: [],
  counts: counts(2),
  ...extra,
});

describe('a live nodes message on the Nodes page', () => {
  const page = nodeListOf(
    [view('gpu-1', 'healthy'), view('gpu-2', 'healthy')],
    counts(2),
    {},
    { page: 0, pageSize: 100 },
  );

  it('replaces the rows it names and the counts, leaving the others as they were', () => {
    const next = applyNodesMessage(
      page,
      diff([view('gpu-2', 'healthy', 1_000), view('gpu-9', 'healthy', 5)], { counts: counts(1, 1) }),
      DEFAULT_NODE_SORT,
    );
    expect(next.nodes.map((node) => [node.name, node.lastEventAt])).toEqual([
      ['gpu-1', null],
      ['gpu-2', 1_000],
    ]);
    expect(next.counts).toMatchObject({ healthy: 1, unhealthy: 1 });
    expect(page.nodes[1].lastEventAt).toBeNull();
  });

  it('sorts the page again at once: a node turned worse moves up among the rows shown, worst first', () => {
    const shown = nodeListOf(
      [view('gpu-1', 'healthy'), view('gpu-2', 'healthy'), view('gpu-3', 'unhealthy')],
      counts(2, 1),
      {},
      { page: 0, pageSize: 100 },
    );
    expect(shown.nodes.map((node) => node.name)).toEqual(['gpu-3', 'gpu-1', 'gpu-2']);
    const next = applyNodesMessage(shown, diff([view('gpu-2', 'drain-failed')]), DEFAULT_NODE_SORT);
    expect(next.nodes.map((node) => node.name)).toEqual(['gpu-2', 'gpu-3', 'gpu-1']);
    // In a column's order too: by last event, the longest silent first.
    const bySilence: NodeSort = { column: 'lastEvent', dir: 'desc' };
    const again = applyNodesMessage(
      next,
      diff([view('gpu-1', 'healthy', 10), view('gpu-2', 'drain-failed', 30), view('gpu-3', 'unhealthy', 20)]),
      bySilence,
    );
    expect(again.nodes.map((node) => node.name)).toEqual(['gpu-1', 'gpu-3', 'gpu-2']);
  });

  it('asks for the page again only when a node can have moved: a state change, an arrival, a departure or a snapshot', () => {
    const keys = new Map<string, string>([
      ['gpu-1', 'healthy'],
      ['gpu-2', 'healthy'],
    ]);
    const reorders = (message: NodesMessage) => nodesMessageReorders(message, keys, DEFAULT_NODE_SORT);
    expect(reorders(diff([view('gpu-2', 'healthy', 1_000)]))).toBe(false);
    expect(reorders(diff([view('gpu-2', 'unhealthy')]))).toBe(true);
    expect(keys.get('gpu-2')).toBe('unhealthy');
    expect(reorders(diff([view('gpu-2', 'unhealthy')]))).toBe(false);
    expect(reorders(diff([], { new: [view('gpu-3', 'healthy')] }))).toBe(true);
    expect(reorders(diff([], { deleted: ['gpu-1'] }))).toBe(true);
    expect(reorders({ ...diff([]), kind: 'equals' })).toBe(true);
  });

  it('sorted by a column, a change of that column can move a node too; of another column, not', () => {
    const byFatal: NodeSort = { column: 'fatal', dir: 'desc' };
    const before = view('gpu-1', 'healthy', 5);
    const keys = new Map([['gpu-1', orderKey(byFatal, before)]]);
    const reorders = (changed: NodeView) => nodesMessageReorders(diff([changed]), keys, byFatal);
    expect(reorders({ ...before, lastEventAt: 9 })).toBe(false);
    expect(reorders({ ...before, lastEventAt: 9, fatalCount: 1 })).toBe(true);
    expect(reorders({ ...before, lastEventAt: 9, fatalCount: 1, state: 'unhealthy' })).toBe(true);
    expect(reorders({ ...before, lastEventAt: 12, fatalCount: 1, state: 'unhealthy' })).toBe(false);
  });
});

describe('a cluster change on the Nodes page', () => {
  const page = {
    ...nodeListOf([view('gpu-1', 'healthy'), view('gpu-2', 'healthy')], counts(2), {}, { page: 0, pageSize: 100 }),
    cluster: { configured: true, nodes: {} },
  } as NodesPage;

  it('reads the page again when a node on it changed, or anything changed under a cluster filter', () => {
    expect(clusterMessageRefetches({ nodes: ['gpu-2'] }, page, {})).toBe(true);
    expect(clusterMessageRefetches({ nodes: ['gpu-9'] }, page, {})).toBe(false);
    expect(clusterMessageRefetches({ nodes: ['gpu-9'] }, page, { disagree: true })).toBe(true);
    expect(clusterMessageRefetches({ nodes: ['gpu-9'] }, page, { optedOut: true })).toBe(true);
    expect(clusterMessageRefetches({ nodes: null }, page, {})).toBe(true);
  });
});
