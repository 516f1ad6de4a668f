// The small rules around the node views that the pages rely on: which action a state offers, the
// worst-first order of every state, paging from the URL and the filters, each edge written out.
import { describe, expect, it } from 'vitest';

import { matchesNodeFilter, nodeFilterToSearch, parseNodeFilter } from '@/lib/node-state/node-filter';
import { nodeListOf } from '@/lib/node-state/node-list';
import { compareWorstFirst, NODE_PAGE_SIZE, NODE_SEVERITY_ORDER, parseNodePage } from '@/lib/node-state/node-order';
import {
  NODE_STATE_LABELS,
  NODE_STATES,
  offeredAction,
  QUARANTINED_STATES,
  type NodeState,
  type NodeView,
} from '@/lib/node-state/node-view';

const view = (name: string, state: NodeState, fields: Partial<NodeView> = {}): NodeView => ({
  name,
  state,
  stateSince: 0,
  lastEventAt: null,
  lastCheck: null,
  fatalCount: 0,
  openFaults: 0,
  agents: ['gpu-health-monitor'],
  checks: ['GpuXidError'],
  session: null,
  releasedAt: null,
  quarantineRequested: false,
  ...fields,
});

describe('node states and their actions', () => {
  it('lists the states in the order a node moves through them, each with its label', () => {
    expect(NODE_STATES).toEqual([
      'healthy',
      'unhealthy',
      'quarantined',
      'draining',
      'drain-failed',
      'remediating',
      'remediated',
      'remediation-failed',
      'released',
    ]);
    expect(NODE_STATE_LABELS).toEqual({
      healthy: 'Healthy',
      unhealthy: 'Unhealthy',
      quarantined: 'Quarantined',
      draining: 'Draining',
      'drain-failed': 'Drain failed',
      remediating: 'Remediating',
      remediated: 'Remediated',
      'remediation-failed': 'Remediation failed',
      released: 'Released by hand',
    });
  });

  it('offers release inside a quarantine session, quarantine outside one, and nothing while a quarantine is requested', () => {
    expect([...QUARANTINED_STATES].sort()).toEqual([
      'drain-failed',
      'draining',
      'quarantined',
      'remediated',
      'remediating',
      'remediation-failed',
    ]);
    const offered = Object.fromEntries(
      NODE_STATES.map((state) => [state, offeredAction({ state, quarantineRequested: false })]),
    );
    expect(offered).toEqual({
      healthy: 'quarantine',
      unhealthy: 'quarantine',
      quarantined: 'release',
      draining: 'release',
      'drain-failed': 'release',
      remediating: 'release',
      remediated: 'release',
      'remediation-failed': 'release',
      released: 'quarantine',
    });
    expect(offeredAction({ state: 'healthy', quarantineRequested: true })).toBeNull();
    expect(offeredAction({ state: 'quarantined', quarantineRequested: true })).toBeNull();
  });
});

describe('worst first', () => {
  it('orders every state by what needs an operator most', () => {
    expect(NODE_SEVERITY_ORDER).toEqual([
      'drain-failed',
      'remediation-failed',
      'draining',
      'remediating',
      'quarantined',
      'unhealthy',
      'released',
      'remediated',
      'healthy',
    ]);
    const shuffled = [...NODE_SEVERITY_ORDER].reverse().map((state) => view('n', state));
    expect(shuffled.sort(compareWorstFirst).map((node) => node.state)).toEqual(NODE_SEVERITY_ORDER);
    // A state it does not know goes last.
    expect(
      [view('a', 'bogus' as NodeState), view('b', 'healthy')].sort(compareWorstFirst).map((node) => node.name),
    ).toEqual(['b', 'a']);
  });

  it('then by name, numbers in numeric order, equal names equal', () => {
    expect(compareWorstFirst(view('gpu-2', 'healthy'), view('gpu-10', 'healthy'))).toBe(-1);
    expect(compareWorstFirst(view('gpu-10', 'healthy'), view('gpu-2', 'healthy'))).toBe(1);
    expect(compareWorstFirst(view('gpu-2', 'healthy'), view('gpu-2', 'healthy'))).toBe(0);
    expect(compareWorstFirst(view('rack-3-gpu-10', 'healthy'), view('rack-3-gpu-9', 'healthy'))).toBe(1);
    expect(compareWorstFirst(view('a', 'healthy'), view('b', 'healthy'))).toBe(-1);
    // Called again with the same names (the key is kept), the answer is the same.
    expect(compareWorstFirst(view('gpu-10', 'healthy'), view('gpu-2', 'healthy'))).toBe(1);
  });
});

describe('paging', () => {
  it('reads a 1-based page and a page size, capped at 1,000', () => {
    expect(NODE_PAGE_SIZE).toBe(100);
    expect(parseNodePage(new URLSearchParams('page=1&pageSize=1'))).toEqual({ page: 0, pageSize: 1 });
    expect(parseNodePage(new URLSearchParams('page=1000000&pageSize=1000'))).toEqual({
      page: 999_999,
      pageSize: 1_000,
    });
    expect(parseNodePage(new URLSearchParams('pageSize=1001'))).toEqual({ page: 0, pageSize: 1_000 });
    expect(parseNodePage({ page: ['4', '9'], pageSize: ['20'] })).toEqual({ page: 3, pageSize: 20 });
    expect(parseNodePage({})).toEqual({ page: 0, pageSize: 100 });
  });

  it.each(['page=0', 'page=1000001', 'page=1.5', 'page=x', 'pageSize=0', 'pageSize=2.5', 'pageSize=-3'])(
    'falls back on %s',
    (query) => {
      expect(parseNodePage(new URLSearchParams(query))).toEqual({ page: 0, pageSize: 100 });
    },
  );

  it('pages the matching nodes, counting them, with every agent and check once and sorted', () => {
    const counts = Object.fromEntries(NODE_STATES.map((state, index) => [state, index])) as Record<NodeState, number>;
    const all = [
      view('n-1', 'healthy', { agents: ['syslog', 'dcgm'], checks: ['Xid', 'Thermal'] }),
      view('n-2', 'unhealthy', { agents: ['dcgm'], checks: ['Xid'] }),
      view('n-3', 'healthy', { agents: ['csp'], checks: ['Maintenance'] }),
    ];
    const list = nodeListOf(all, counts, { states: ['healthy'] }, { page: 1, pageSize: 1 });
    expect(list).toEqual({
      nodes: [all[2]],
      matching: 2,
      page: 1,
      pageSize: 1,
      pages: 2,
      counts,
      total: 3,
      agents: ['csp', 'dcgm', 'syslog'],
      checks: ['Maintenance', 'Thermal', 'Xid'],
    });
    // Nothing matches: one empty page, not zero pages.
    expect(nodeListOf(all, counts, { search: 'none' }, { page: 3, pageSize: 10 })).toMatchObject({
      nodes: [],
      matching: 0,
      page: 0,
      pages: 1,
    });
    expect(nodeListOf(all, counts, {}, { page: 0, pageSize: 2 }).nodes.map((node) => node.name)).toEqual([
      'n-2',
      'n-1',
    ]);
  });
});

describe('filters', () => {
  it('reads only known states, and text parameters cut to 253 characters, search trimmed', () => {
    expect(
      parseNodeFilter(new URLSearchParams('state=healthy,,released,x&agent=dcgm&check=Xid&q=%20gpu-1%20')),
    ).toEqual({ states: ['healthy', 'released'], agent: 'dcgm', check: 'Xid', search: 'gpu-1' });
    expect(parseNodeFilter(new URLSearchParams(`agent=${'a'.repeat(300)}`)).agent).toBe('a'.repeat(253));
    expect(parseNodeFilter({ state: ['draining', 'healthy'], agent: ['x', 'y'], q: '   ' })).toEqual({
      states: ['draining'],
      agent: 'x',
    });
    expect(parseNodeFilter({ state: 'bogus', agent: '', check: undefined })).toEqual({});
  });

  it('writes a filter back to the URL, leaving out what is empty', () => {
    expect(nodeFilterToSearch({})).toBe('');
    expect(nodeFilterToSearch({ states: [] })).toBe('');
    expect(nodeFilterToSearch({ states: ['healthy', 'draining'], agent: 'dcgm', check: 'Xid', search: 'gpu 1' })).toBe(
      'state=healthy%2Cdraining&agent=dcgm&check=Xid&q=gpu+1',
    );
  });

  it('matches on every given field; an empty filter matches everything', () => {
    const node = view('GPU-Node-12', 'draining', { agents: ['syslog', 'dcgm'], checks: ['Xid', 'Thermal'] });
    expect(matchesNodeFilter(node, {})).toBe(true);
    expect(matchesNodeFilter(node, { states: [] })).toBe(true);
    expect(matchesNodeFilter(node, { states: ['healthy', 'draining'] })).toBe(true);
    expect(matchesNodeFilter(node, { states: ['healthy'] })).toBe(false);
    expect(matchesNodeFilter(node, { agent: 'dcgm' })).toBe(true);
    expect(matchesNodeFilter(node, { agent: 'csp' })).toBe(false);
    expect(matchesNodeFilter(node, { check: 'Thermal' })).toBe(true);
    expect(matchesNodeFilter(node, { check: 'Memory' })).toBe(false);
    expect(matchesNodeFilter(node, { search: 'node-1' })).toBe(true);
    expect(matchesNodeFilter(node, { search: 'NODE-12' })).toBe(true);
    expect(matchesNodeFilter(node, { search: 'node-13' })).toBe(false);
    expect(matchesNodeFilter(node, { states: ['draining'], agent: 'dcgm', check: 'Xid', search: 'gpu' })).toBe(true);
  });
});
