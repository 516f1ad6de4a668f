// The Nodes page's live rule: a message changes the rows it names in place and the counts at once;
// only a change that can move a node across pages (a snapshot, a node arriving or leaving, a
// state change) makes the page fetch its rows again.
import { describe, expect, it } from 'vitest';

import type { NodesMessage } from '@/lib/live/live-messages';
import { nodeListOf } from '@/lib/node-state/node-list';
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
    );
    expect(next.nodes.map((node) => [node.name, node.lastEventAt])).toEqual([
      ['gpu-1', null],
      ['gpu-2', 1_000],
    ]);
    expect(next.counts).toMatchObject({ healthy: 1, unhealthy: 1 });
    expect(page.nodes[1].lastEventAt).toBeNull();
  });

  it('asks for the page again only when a node can have moved: a state change, an arrival, a departure or a snapshot', () => {
    const states = new Map<string, NodeState>([
      ['gpu-1', 'healthy'],
      ['gpu-2', 'healthy'],
    ]);
    expect(nodesMessageReorders(diff([view('gpu-2', 'healthy', 1_000)]), states)).toBe(false);
    expect(nodesMessageReorders(diff([view('gpu-2', 'unhealthy')]), states)).toBe(true);
    expect(states.get('gpu-2')).toBe('unhealthy');
    expect(nodesMessageReorders(diff([view('gpu-2', 'unhealthy')]), states)).toBe(false);
    expect(nodesMessageReorders(diff([], { new: [view('gpu-3', 'healthy')] }), states)).toBe(true);
    expect(nodesMessageReorders(diff([], { deleted: ['gpu-1'] }), states)).toBe(true);
    expect(nodesMessageReorders({ ...diff([]), kind: 'equals' }, states)).toBe(true);
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
