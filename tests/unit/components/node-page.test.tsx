// @vitest-environment jsdom
// The node page as an on-call engineer reads it: the header names the XID and GPU that opened the
// quarantine, the drain's failure and what happens next; the GPU grid lists the node's GPUs with
// failures, XIDs and bursts, and a row (or "Fatal only") filters the event table and the URL; a
// link naming an event opens it; the timeline draws fatal points last (on top) without moving its
// rows, and its tooltip names the point under the pointer. The URL is the page's state: a page
// shown again for a URL (the back button) shows what that URL says, and an event the URL names that
// the range's events leave out is shown on its own or named. The page's data is built by the same
// pure functions the server runs (lib/queries/node-headline.ts, node-gpus.ts, node-why.ts).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { NodeClient } from '@/app/(console)/nodes/[name]/client';
import { ActorProvider } from '@/components/auth/actor-context';
import { TimelineTooltip, timelinePoints } from '@/components/nodes/node-timeline';
import { sessionState } from '@/lib/node-state/node-projection';
import type { NodeView, QuarantineSession } from '@/lib/node-state/node-view';
import type { LinkedEvent, NodeDetail, NodeEventRow } from '@/lib/queries/node-detail-view';
import { entityGrid } from '@/lib/queries/node-gpus';
import { NO_FILTER } from '@/lib/queries/node-gpus-view';
import { nodeHeadline } from '@/lib/queries/node-headline';
import { whyChain, type WhyInputs } from '@/lib/queries/node-why';

// Next's router follows history.pushState and replaceState (since 14.1), and useSearchParams with
// it; so does this stand-in: it reads the address bar and renders again when a state is written.
vi.mock('next/navigation', async () => {
  const { useMemo, useSyncExternalStore } = await import('react');
  const listeners = new Set<() => void>();
  for (const method of ['pushState', 'replaceState'] as const) {
    const write = window.history[method].bind(window.history);
    window.history[method] = (...args: Parameters<History['pushState']>) => {
      write(...args);
      for (const listener of listeners) listener();
    };
  }
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return {
    useRouter: () => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }),
    usePathname: () => '/nodes/gpu-node-0007',
    useSearchParams: () => {
      const search = useSyncExternalStore(subscribe, () => window.location.search);
      return useMemo(() => new URLSearchParams(search), [search]);
    },
  };
});
vi.mock('@/lib/actions/server-actions', () => ({ quarantineNode: vi.fn(), releaseNode: vi.fn() }));

beforeAll(() => {
  // recharts' ResponsiveContainer measures its box; jsdom has no ResizeObserver.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});
/** The page's URL as the address bar shows it. */
const url = () => `${window.location.pathname}${window.location.search}`;

const NOW = Date.parse('2026-12-06T11:00:00Z');
const FROM = NOW - 3_600_000;
const MINUTE = 60_000;
const GPU = (value: string) => ({ entityType: 'GPU', entityValue: value });

function row(
  minute: number,
  severity: 'fatal' | 'unhealthy' | 'healthy',
  overrides: Partial<NodeEventRow> = {},
  status: Partial<NodeEventRow['status']> = {},
): NodeEventRow {
  const at = FROM + minute * MINUTE;
  return {
    recordId: `r-${minute}`,
    createdAt: at,
    generatedAt: at,
    agent: 'syslog-health-monitor',
    componentClass: 'GPU',
    checkName: 'SysLogsXIDError',
    isFatal: severity === 'fatal',
    isHealthy: severity === 'healthy',
    message: `event at minute ${minute}`,
    recommendedAction: severity === 'healthy' ? 'NONE' : 'RESTART_BM',
    customRecommendedAction: '',
    errorCode: severity === 'healthy' ? [] : ['79'],
    entities: [GPU('3')],
    metadata: {},
    processingStrategy: 'EXECUTE_REMEDIATION',
    quarantineOverrides: null,
    drainOverrides: null,
    status: {
      nodeQuarantined: null,
      quarantineFinishedAt: null,
      eviction: '',
      evictionMessage: '',
      drainFinishedAt: null,
      remediated: null,
      remediatedAt: null,
      faultQuarantineRecovery: '',
      ...status,
    },
    ...overrides,
  };
}

// A node quarantined for XID 79 on GPU 3 whose drain failed; GPU 5 and a NIC also reported.
const opening = row(
  10,
  'fatal',
  {},
  {
    nodeQuarantined: 'Quarantined',
    quarantineFinishedAt: FROM + 10 * MINUTE,
    eviction: 'Failed',
    evictionMessage: 'PodDisruptionBudget blocks eviction of train-0',
  },
);
const events = [
  row(50, 'healthy', { entities: [GPU('5')] }),
  row(40, 'unhealthy', { entities: [GPU('5')], errorCode: ['13'] }),
  row(30, 'unhealthy', {
    checkName: 'InfiniBandStateCheck',
    agent: 'nic-health-monitor',
    errorCode: [],
    entities: [{ entityType: 'NIC', entityValue: 'mlx5_0' }],
  }),
  row(12, 'unhealthy', { errorCode: ['48'] }),
  row(11, 'fatal'),
  opening,
];

function detailOf(linkedEvent: LinkedEvent | null = null): NodeDetail {
  const session: QuarantineSession = {
    recordId: opening.recordId,
    since: opening.createdAt,
    manual: false,
    reason: opening.message,
    actor: null,
    checkName: opening.checkName,
    recommendedAction: 'RESTART_BM',
    eviction: opening.status.eviction,
    evictionMessage: opening.status.evictionMessage,
    remediated: null,
  };
  const view: NodeView = {
    name: 'gpu-node-0007',
    state: sessionState(session),
    stateSince: opening.createdAt,
    lastEventAt: events[0]!.createdAt,
    lastCheck: 'SysLogsXIDError',
    fatalCount: 2,
    openFaults: 2,
    agents: ['nic-health-monitor', 'syslog-health-monitor'],
    checks: ['InfiniBandStateCheck', 'SysLogsXIDError'],
    session,
    releasedAt: null,
    quarantineRequested: false,
  };
  const inputs: WhyInputs = {
    view,
    opening,
    sessionEvents: events.filter((event) => event.checkName === 'SysLogsXIDError'),
    cluster: null,
    quarantineBacklog: null,
  };
  const why = whyChain(inputs);
  return {
    name: 'gpu-node-0007',
    view,
    range: '1h',
    from: FROM,
    to: NOW,
    // Every event of the range is a timeline point and fits the table's first page.
    timeline: { points: events, total: events.length },
    events,
    filter: NO_FILTER,
    older: null,
    maintenance: [],
    cluster: { configured: false, status: null, node: null },
    why,
    headline: nodeHeadline(inputs, why, 'running'),
    gpus: entityGrid(events, { range: '1h', from: FROM, to: NOW, truncated: false }),
    linkedEvent,
  };
}

const LINK = '/nodes/gpu-node-0007';

/** The page opened at the node's URL with `query`, on the data the server read for it. */
function page(query: Record<string, string> = {}, initial = detailOf()) {
  const search = new URLSearchParams(query).toString();
  window.history.replaceState(null, '', search ? `${LINK}?${search}` : LINK);
  return show(initial);
}

/** The page rendered at the URL the address bar has (as the router renders it again on a back). */
function show(initial: NodeDetail) {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <ActorProvider actor={{ name: 'vera', displayName: 'Vera', role: 'viewer' }}>
        <NodeClient initial={initial} />
      </ActorProvider>
    </QueryClientProvider>,
  );
}

const text = (element: HTMLElement) => (element.textContent ?? '').replace(/\s+/g, ' ').trim();
const shownIds = () => screen.getAllByTestId('event-row').map((element) => element.dataset.recordId);

describe('the node page header', () => {
  it('names the XID and GPU that opened the quarantine, the failed drain and what happens next', () => {
    page();
    const cause = screen.getByTestId('node-session');
    expect(cause.dataset.kind).toBe('fault');
    expect(text(cause)).toBe(
      'Cause Fatal SysLogsXIDError XID 79 on GPU 3 · recommended action RESTART_BM · from syslog-health-monitor',
    );
    expect(screen.getAllByTestId('node-cause-xid').map(text)).toEqual(['XID 79']);
    expect(screen.getAllByTestId('node-cause-entity').map(text)).toEqual(['GPU 3']);
    const step = screen.getByTestId('node-step');
    expect(step.dataset.state).toBe('drain-failed');
    expect(text(step)).toBe('Pipeline Drain failed: PodDisruptionBudget blocks eviction of train-0');
    expect(text(screen.getByTestId('node-next'))).toBe(
      'Next: released when GPU 3 reports healthy; fault-remediation does not act after a failed drain',
    );
  });
});

describe('the GPU grid and the event filter', () => {
  it('lists GPUs first with failures, fatal, XIDs and bursts', () => {
    page();
    const rows = screen.getAllByTestId('gpu-row');
    expect(rows.map((element) => element.dataset.entity)).toEqual(['GPU:3', 'GPU:5', 'NIC:mlx5_0']);
    const gpu3 = rows[0]!;
    expect(text(within(gpu3).getByTestId('gpu-failures'))).toBe('3');
    expect(text(within(gpu3).getByTestId('gpu-xids'))).toBe('48, 79');
    // Minutes 10, 11, 12: one burst (10 and 11 share a 2-minute cell).
    expect(text(within(gpu3).getByTestId('gpu-bursts'))).toBe('1');
    expect(within(gpu3).getByTestId('gpu-strip').getAttribute('aria-label')).toBe(
      'GPU 3: 1 of 30 cells with a fatal event, 1 with an unhealthy one',
    );
  });

  it('a row shows only its events and writes ?entity=; "Fatal only" narrows further; the row again clears it', () => {
    page();
    expect(shownIds()).toHaveLength(6);
    fireEvent.click(screen.getAllByTestId('gpu-row')[0]!);
    expect(url()).toBe('/nodes/gpu-node-0007?range=1h&entity=GPU%3A3');
    expect(shownIds()).toEqual(['r-12', 'r-11', 'r-10']);
    expect(screen.getAllByTestId('event-entity').map(text)).toEqual(['GPU 3', 'GPU 3', 'GPU 3']);
    expect(text(screen.getByTestId('node-events-count'))).toBe('Events (3 of 6)');
    expect(screen.getAllByTestId('gpu-row')[0]!.dataset.selected).toBe('true');

    fireEvent.click(screen.getByTestId('events-fatal-only'));
    expect(url()).toBe('/nodes/gpu-node-0007?range=1h&entity=GPU%3A3&fatal=1');
    expect(shownIds()).toEqual(['r-11', 'r-10']);

    fireEvent.click(within(screen.getAllByTestId('gpu-row')[0]!).getByRole('button', { pressed: true }));
    expect(url()).toBe('/nodes/gpu-node-0007?range=1h&fatal=1');
    expect(shownIds()).toEqual(['r-11', 'r-10']);
  });

  it('opens filtered from a link, and says so when the entity has no events in the range', () => {
    page({ range: '1h', entity: 'GPU:5', fatal: '0' });
    expect(shownIds()).toEqual(['r-50', 'r-40']);
    expect(screen.getByTestId('events-filter-entity').dataset.entity).toBe('GPU:5');
    cleanup();
    page({ entity: 'GPU:9' });
    expect(screen.getByText('No event of GPU 9 in the last 1h.')).toBeTruthy();
    expect(screen.getByText('No events match this filter in this range.')).toBeTruthy();
    // The page never rewrites the link it was opened with.
    expect(url()).toBe('/nodes/gpu-node-0007?entity=GPU%3A9');
  });

  it('the back button shows what the URL says: the page is shown again with the filter chosen, not the first one', () => {
    const served = detailOf();
    page({ range: '1h' }, served);
    fireEvent.click(screen.getAllByTestId('gpu-row')[0]!);
    expect(url()).toBe('/nodes/gpu-node-0007?range=1h&entity=GPU%3A3');
    // Away and back: the router shows the page again from the data it was served with, at the URL
    // the choice wrote.
    cleanup();
    show(served);
    expect(shownIds()).toEqual(['r-12', 'r-11', 'r-10']);
    expect(screen.getAllByTestId('gpu-row')[0]!.dataset.selected).toBe('true');
    // A URL written under the page (a forward, a link) is followed too.
    act(() => window.history.pushState(null, '', '/nodes/gpu-node-0007?range=1h&fatal=1'));
    expect(shownIds()).toEqual(['r-11', 'r-10']);
    expect((screen.getByTestId('events-fatal-only') as HTMLInputElement).checked).toBe(true);
  });

  it('names a wrong parameter instead of ignoring it silently', () => {
    page({ entity: 'GPU3' });
    expect(text(screen.getByTestId('node-params-problems'))).toBe(
      'entity must be TYPE:VALUE, such as GPU:3 or NIC:mlx5_0 (got "GPU3") (left out)',
    );
    expect(shownIds()).toHaveLength(6);
  });

  it('opens the event the Events search links to (?event=<recordId>)', () => {
    page({ range: '1h', event: 'r-40' });
    const focused = screen.getAllByTestId('event-row').find((element) => element.dataset.focused === 'true');
    expect(focused?.dataset.recordId).toBe('r-40');
    expect(within(screen.getByTestId('event-fields')).getByText('r-40')).toBeTruthy();
    expect(screen.queryByTestId('node-linked-event')).toBeNull();
  });

  it('an event the link names that the range leaves out: shown on its own, as the server read it by id', () => {
    const older = row(-30, 'fatal', { message: 'the event linked' });
    page({ range: '1h', event: older.recordId }, detailOf({ recordId: older.recordId, event: older, refused: null }));
    const linked = screen.getByTestId('node-linked-event');
    expect(text(linked)).toContain(
      'The event opened is not among the 6 events read for the last 1h: it is older. It is shown here on its own.',
    );
    const focused = within(linked).getAllByTestId('event-row');
    expect(focused.map((element) => [element.dataset.recordId, element.dataset.focused])).toEqual([
      [older.recordId, 'true'],
    ]);
    expect(within(linked).getByTestId('event-fields')).toBeTruthy();
  });

  it('an event the link names that this node does not have, or that was not read: says so', () => {
    page({ event: 'nope' }, detailOf({ recordId: 'nope', event: null, refused: 'must be a UUID (got "nope")' }));
    expect(text(screen.getByTestId('node-linked-event'))).toBe(
      'No event of this node has the id “nope” (must be a UUID (got "nope")).',
    );
    cleanup();
    page({ event: 'r-99' });
    expect(text(screen.getByTestId('node-linked-event'))).toBe(
      'The event opened (r-99) is not among the 6 events read for the last 1h.',
    );
  });
});

describe('the timeline', () => {
  it('draws fatal points last (on top) and keeps each check on its row', () => {
    const { checks, points } = timelinePoints(events);
    expect(checks).toEqual(['InfiniBandStateCheck', 'SysLogsXIDError']);
    expect(points.map((point) => point.severity)).toEqual([
      'healthy',
      'unhealthy',
      'unhealthy',
      'unhealthy',
      'fatal',
      'fatal',
    ]);
    for (const point of points) expect(checks[point.y]).toBe(point.event.checkName);
    // The rows do not depend on which severities a check has.
    expect(timelinePoints(events.filter((event) => event.isFatal)).checks).toEqual(['SysLogsXIDError']);
  });

  it('the tooltip names the point under the pointer: check, severity, time, entity and XID', () => {
    const { points } = timelinePoints(events);
    const point = points.find((each) => each.event.recordId === 'r-40')!;
    render(<TimelineTooltip active payload={[{ payload: point }]} />);
    const tooltip = screen.getByTestId('timeline-tooltip');
    expect(tooltip.dataset.recordId).toBe('r-40');
    expect(text(tooltip)).toContain('SysLogsXIDError · unhealthy');
    expect(text(tooltip)).toContain('GPU 5');
    expect(text(tooltip)).toContain('XID 13');
  });
});
