// @vitest-environment jsdom
// The node page's event table a page at a time and its timeline's cap, as an on-call engineer sees
// them: the table shows the newest events and says how many of how many; "Older events" asks the
// route for the next page of the same window and shows it below, once; the timeline says when it
// draws only the newest events of the range; and an event a point opens that the rows shown leave
// out is read by its id and shown on its own. The route is a stand-in answering as the server does.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { NodeClient } from '@/app/(console)/nodes/[name]/client';
import { ActorProvider } from '@/components/auth/actor-context';
import type { NodeEventsPage } from '@/lib/queries/node-detail-events-view';
import type { LinkedEvent, NodeDetail, NodeEventRow } from '@/lib/queries/node-detail-view';
import { entityGrid } from '@/lib/queries/node-gpus';
import { NO_FILTER } from '@/lib/queries/node-gpus-view';
import { nodeHeadline } from '@/lib/queries/node-headline';
import { whyChain, type WhyInputs } from '@/lib/queries/node-why';

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
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

const NOW = Date.parse('2026-12-06T11:00:00Z');
const FROM = NOW - 3_600_000;

/** Event n of the hour (60 is the newest), a recovery of GPU 1. */
function row(n: number): NodeEventRow {
  const at = FROM + n * 60_000;
  return {
    recordId: `r-${n}`,
    createdAt: at,
    generatedAt: at,
    agent: 'gpu-health-monitor',
    componentClass: 'GPU',
    checkName: 'GpuThermalWatch',
    isFatal: false,
    isHealthy: true,
    message: `event ${n}`,
    recommendedAction: 'NONE',
    customRecommendedAction: '',
    errorCode: [],
    entities: [{ entityType: 'GPU', entityValue: '1' }],
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
    },
  };
}

const newestFirst = (newest: number, oldest: number) =>
  Array.from({ length: newest - oldest + 1 }, (_, index) => row(newest - index));
const cursorOf = (n: number) => ({ createdAt: new Date(FROM + n * 60_000).toISOString(), recordId: `r-${n}` });

/** 60 events in the hour: the first page holds 50 (60-11); the chart draws the newest `drawn`. */
function detail(drawn = 60): NodeDetail {
  const points = newestFirst(60, 61 - drawn);
  // A node the live view has not seen yet: no session, nothing held.
  const inputs: WhyInputs = { view: null, opening: null, sessionEvents: [], cluster: null, quarantineBacklog: null };
  const why = whyChain(inputs);
  return {
    name: 'gpu-node-0007',
    view: null,
    range: '1h',
    from: FROM,
    to: NOW,
    timeline: { points, total: 60 },
    events: newestFirst(60, 11),
    filter: NO_FILTER,
    older: cursorOf(11),
    maintenance: [],
    cluster: { configured: false, status: null, node: null },
    why,
    headline: nodeHeadline(inputs, why, 'running'),
    gpus: entityGrid(points, { range: '1h', from: FROM, to: NOW, truncated: drawn < 60 }),
    linkedEvent: null,
  };
}

/** The routes: the page's data read again, an older page, or one event by its id; every URL asked is kept. */
function route(answers: { detail?: NodeDetail; older?: NodeEventsPage; linked?: LinkedEvent }) {
  const asked: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      asked.push(url);
      const path = url.split('?')[0]!;
      const body =
        path === '/api/nodes/gpu-node-0007'
          ? answers.detail
          : path === '/api/nodes/gpu-node-0007/events'
            ? answers.older
            : path.startsWith('/api/nodes/gpu-node-0007/events/')
              ? answers.linked
              : undefined;
      return new Response(JSON.stringify(body ?? { error: `no answer for ${url}` }), { status: body ? 200 : 503 });
    }),
  );
  return asked;
}

function show(initial: NodeDetail, query = '') {
  window.history.replaceState(null, '', `/nodes/gpu-node-0007${query}`);
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ActorProvider actor={{ name: 'vera', displayName: 'Vera', role: 'viewer' }}>
        <NodeClient initial={initial} />
      </ActorProvider>
    </QueryClientProvider>,
  );
}

const text = (element: HTMLElement) => (element.textContent ?? '').replace(/\s+/g, ' ').trim();
const shownIds = () => screen.getAllByTestId('event-row').map((element) => element.dataset.recordId);

describe('the event table a page at a time', () => {
  it('shows the newest page and says of how many; "Older events" adds the next page of the same window, once', async () => {
    const asked = route({ detail: detail(), older: { events: newestFirst(10, 1), older: null } });
    show(detail());
    expect(text(screen.getByTestId('node-events-count'))).toBe('Events (60)');
    expect(shownIds()).toEqual(newestFirst(60, 11).map((each) => each.recordId));
    expect(text(screen.getByTestId('node-events-shown'))).toBe('The newest 50 of 60');

    fireEvent.click(screen.getByTestId('node-events-older'));
    await screen.findByText('event 1');
    expect(shownIds()).toEqual(newestFirst(60, 1).map((each) => each.recordId));
    // The last page: nothing older to ask for.
    expect(screen.queryByTestId('node-events-older')).toBeNull();
    const older = new URL(
      asked.find((url) => url.includes('/events?'))!,
      'http://console',
    );
    expect(older.pathname).toBe('/api/nodes/gpu-node-0007/events');
    expect(Object.fromEntries(older.searchParams)).toEqual({
      from: String(FROM),
      to: String(NOW),
      older: `${cursorOf(11).createdAt}~r-11`,
    });
  });

  it('says so when older events could not be read, and can ask again', async () => {
    route({ detail: detail() });
    show(detail());
    fireEvent.click(screen.getByTestId('node-events-older'));
    const query = new URLSearchParams({ from: String(FROM), to: String(NOW), older: `${cursorOf(11).createdAt}~r-11` });
    expect(text(await screen.findByRole('alert'))).toBe(
      `Older events could not be read: no answer for /api/nodes/gpu-node-0007/events?${query}`,
    );
    expect(shownIds()).toHaveLength(50);
    expect((screen.getByTestId('node-events-older') as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('the timeline when the range holds more events than it draws', () => {
  it('says it shows the newest of how many', () => {
    route({ detail: detail(40) });
    show(detail(40));
    expect(text(screen.getByTestId('timeline-caption'))).toContain('showing the newest 40 of 60 events of the range');
    // The table is not the chart: it counts the range's events.
    expect(text(screen.getByTestId('node-events-count'))).toBe('Events (60)');
  });
});

describe('an event a point or a link opens that the rows shown leave out', () => {
  it('is read by its id and shown on its own', async () => {
    const asked = route({ detail: detail(), linked: { recordId: 'r-5', event: row(5), refused: null } });
    show(detail(), '?range=1h&event=r-5');
    const linked = await screen.findByText(/is shown here on its own/);
    expect(text(linked)).toBe(
      'The event opened is not among the 50 events read for the last 1h, the newest of the range. It is shown here on its own.',
    );
    const own = within(screen.getByTestId('node-linked-event')).getAllByTestId('event-row');
    expect(own.map((element) => [element.dataset.recordId, element.dataset.focused])).toEqual([['r-5', 'true']]);
    expect(asked.filter((url) => url.includes('/events'))).toEqual(['/api/nodes/gpu-node-0007/events/r-5']);
  });
});
