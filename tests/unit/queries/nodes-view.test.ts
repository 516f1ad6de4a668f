// The Nodes page's live rule: a message changes the rows it names and the counts at once, and the
// page is sorted again in the order asked; only a change that can alter which nodes belong on the
// page shown (a snapshot, a node arriving or leaving, a node crossing the page's first or last row)
// makes the page fetch its rows again.
import { describe, expect, it } from 'vitest';

import type { NodesMessage } from '@/lib/live/live-messages';
import { nodeListOf } from '@/lib/node-state/node-list';
import { DEFAULT_NODE_SORT, type NodeSort } from '@/lib/node-state/node-sort';
import { NODE_STATES, type NodeState, type NodeView } from '@/lib/node-state/node-view';
import {
  applyNodesMessage,
  clusterMessageRefetches,
  nodesMessageMovesPage,
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
});

describe('whether a live nodes message can change which nodes belong on the page shown', () => {
  // Nine nodes, three a page. The decision sees only the page as shown and the message; the truth
  // (the page read again from every node) is checked beside it where the rule is exact.
  const nine = (fields: (index: number) => Partial<NodeView>) =>
    Array.from({ length: 9 }, (_, index) => ({ ...view(`gpu-${index + 1}`, 'healthy'), ...fields(index) }));
  const pageOf = (all: NodeView[], sort: NodeSort, page: number) =>
    nodeListOf(all, counts(all.length), {}, { page, pageSize: 3, sort });
  const names = (list: { nodes: NodeView[] }) => list.nodes.map((node) => node.name).sort();
  /** The decision for `changed`, and whether the page read again would hold other nodes. */
  const decide = (all: NodeView[], sort: NodeSort, page: number, changed: NodeView) => {
    const shown = pageOf(all, sort, page);
    const after = all.map((node) => (node.name === changed.name ? changed : node));
    return {
      refetch: nodesMessageMovesPage(diff([changed]), shown, sort),
      pageChanges: names(pageOf(after, sort, page)).join() !== names(shown).join(),
    };
  };
  const bySilence: NodeSort = { column: 'lastEvent', dir: 'desc' };
  const byFatal: NodeSort = { column: 'fatal', dir: 'desc' };
  // Longest silent first: gpu-1 (event at 10) ... gpu-9 (at 90); page 2 holds gpu-4, gpu-5, gpu-6.
  const silent = nine((index) => ({ lastEventAt: (index + 1) * 10 }));
  const at = (name: string) => silent.find((node) => node.name === name)!;

  it('a new event on a node below the page (sorted by last event) moves it further down: no read', () => {
    expect(pageOf(silent, bySilence, 1).nodes.map((node) => node.name)).toEqual(['gpu-4', 'gpu-5', 'gpu-6']);
    expect(decide(silent, bySilence, 1, { ...at('gpu-9'), lastEventAt: 1_000 })).toEqual({
      refetch: false,
      pageChanges: false,
    });
    expect(decide(silent, bySilence, 1, { ...at('gpu-8'), lastEventAt: 95, state: 'unhealthy' })).toEqual({
      refetch: false,
      pageChanges: false,
    });
  });

  it("a row that moves among the page's rows is sorted here, not read again", () => {
    expect(decide(silent, bySilence, 1, { ...at('gpu-4'), lastEventAt: 55 })).toEqual({
      refetch: false,
      pageChanges: false,
    });
  });

  it("a row of the page sliding past its last row is read again (the next page's first takes its place)", () => {
    expect(decide(silent, bySilence, 1, { ...at('gpu-4'), lastEventAt: 75 })).toEqual({
      refetch: true,
      pageChanges: true,
    });
  });

  it('a node below the page whose value jumps between the first and last rows is read again', () => {
    // Most fatal events first: gpu-1 (9) ... gpu-9 (1); page 2 holds gpu-4 (6), gpu-5 (5), gpu-6 (4).
    const fatal = nine((index) => ({ fatalCount: 9 - index }));
    expect(pageOf(fatal, byFatal, 1).nodes.map((node) => node.name)).toEqual(['gpu-4', 'gpu-5', 'gpu-6']);
    expect(decide(fatal, byFatal, 1, { ...fatal[8], fatalCount: 5 })).toEqual({ refetch: true, pageChanges: true });
    // Still below the last row: no read.
    expect(decide(fatal, byFatal, 1, { ...fatal[8], fatalCount: 2 })).toEqual({ refetch: false, pageChanges: false });
  });

  it('a tie on the sorted column is placed as the server places it: worst first, then by name', () => {
    const fatal = nine((index) => ({ fatalCount: 9 - index }));
    // gpu-8 to 4 fatal events ties with the last row, gpu-6: healthy both, gpu-8 after by name.
    expect(decide(fatal, byFatal, 1, { ...fatal[7], fatalCount: 4 })).toEqual({ refetch: false, pageChanges: false });
    // Unhealthy, it sorts before gpu-6: it comes onto the page.
    expect(decide(fatal, byFatal, 1, { ...fatal[7], fatalCount: 4, state: 'unhealthy' })).toEqual({
      refetch: true,
      pageChanges: true,
    });
  });

  it('the first page is open above its first row, the last page below its last row', () => {
    const fatal = nine((index) => ({ fatalCount: 9 - index }));
    // A row rising above the first: on the first page it stays; on the second it may belong on the first.
    expect(decide(fatal, byFatal, 0, { ...fatal[0], fatalCount: 50 })).toEqual({ refetch: false, pageChanges: false });
    expect(decide(fatal, byFatal, 1, { ...fatal[3], fatalCount: 50 })).toEqual({ refetch: true, pageChanges: true });
    // A node from above falling below the last row of the last page comes onto it.
    expect(decide(fatal, byFatal, 2, { ...fatal[4], fatalCount: 0 })).toEqual({ refetch: true, pageChanges: true });
    // A row of the last page falling further stays on it.
    expect(decide(fatal, byFatal, 2, { ...fatal[6], fatalCount: 0 })).toEqual({ refetch: false, pageChanges: false });
  });

  it('sorted by name, a change of state or events never moves a node', () => {
    const byName: NodeSort = { column: 'name', dir: 'asc' };
    const plain = nine(() => ({}));
    for (const page of [0, 1, 2])
      for (const node of plain)
        expect(decide(plain, byName, page, { ...node, state: 'unhealthy', lastEventAt: 5, fatalCount: 3 })).toEqual({
          refetch: false,
          pageChanges: false,
        });
    // Off the page, entering quarantine changes nothing shown either.
    expect(decide(plain, byName, 0, { ...plain[8], state: 'drain-failed' }).refetch).toBe(false);
  });

  it('a row of the page entering or leaving quarantine is read again: the server works out its Cordoned column', () => {
    const byName: NodeSort = { column: 'name', dir: 'asc' };
    const plain = nine(() => ({}));
    expect(decide(plain, byName, 0, { ...plain[1], state: 'quarantined' }).refetch).toBe(true);
    const held = plain.map((node) => (node.name === 'gpu-2' ? { ...node, state: 'draining' as const } : node));
    expect(decide(held, byName, 0, { ...held[1], state: 'drain-failed' }).refetch).toBe(false);
    expect(decide(held, byName, 0, { ...held[1], state: 'released' }).refetch).toBe(true);
  });

  it('a snapshot, a node entering the filter or leaving it is read again; no node changed, not', () => {
    const shown = pageOf(silent, bySilence, 1);
    expect(nodesMessageMovesPage(diff([], { new: [view('gpu-10', 'healthy')] }), shown, bySilence)).toBe(true);
    expect(nodesMessageMovesPage(diff([], { deleted: ['gpu-9'] }), shown, bySilence)).toBe(true);
    expect(nodesMessageMovesPage({ ...diff([]), kind: 'equals' }, shown, bySilence)).toBe(true);
    expect(nodesMessageMovesPage(diff([]), shown, bySilence)).toBe(false);
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
