// @vitest-environment jsdom
// The Events page in the browser: a recent range is read again, but never while a read is still
// running (a slow search must not stack up on the datastore); an older page and the export read the
// window the first page read, and say which; a parameter the server refused is shown, not searched.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { EventsClient } from '@/app/(console)/events/client';
import type { EventSearchRow, EventSearchView } from '@/lib/queries/events-view';

let address = '';
vi.mock('next/navigation', () => ({
  useRouter: () => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }),
  useSearchParams: () => new URLSearchParams(address),
}));

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const NOW = Date.parse('2026-12-06T12:00:00Z');
const MINUTE = 60_000;
const CURSOR = '2026-12-06T11:48:00.000000Z_6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10';

function row(minutesAgo: number): EventSearchRow {
  return {
    recordId: `r-${minutesAgo}`,
    createdAt: NOW - minutesAgo * MINUTE,
    generatedAt: NOW - minutesAgo * MINUTE,
    agent: 'syslog-health-monitor',
    componentClass: 'GPU',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    isHealthy: false,
    message: 'XID 79',
    recommendedAction: 'RESTART_BM',
    errorCode: ['79'],
    entities: [{ entityType: 'GPU', entityValue: '3' }],
    nodeName: 'gpu-node-0007',
    status: {},
  } as unknown as EventSearchRow;
}

function answer(overrides: Partial<EventSearchView> = {}): EventSearchView {
  return {
    view: 'events',
    params: { xid: '79', range: '15m' },
    window: { from: NOW - 15 * MINUTE, to: NOW },
    provider: 'postgresql',
    readAt: NOW,
    events: [row(12)],
    next: CURSOR,
    ...overrides,
  } as EventSearchView;
}

function show(initial: EventSearchView | null, initialError: string | null = null) {
  const client = new QueryClient({
    defaultOptions: { queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 } },
  });
  return render(
    <QueryClientProvider client={client}>
      <EventsClient initial={initial} initialError={initialError} />
    </QueryClientProvider>,
  );
}

describe('the Events page', () => {
  it('reads a recent range again 15 s after the last read ended, never while one runs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    address = 'xid=79&range=15m';
    const pending: ((value: Response) => void)[] = [];
    const fetch = vi.fn(() => new Promise<Response>((resolve) => pending.push(resolve)));
    vi.stubGlobal('fetch', fetch);
    show(answer());
    const wait = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

    await wait(14_000);
    expect(fetch).toHaveBeenCalledTimes(0);
    await wait(1_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]).toEqual(['/api/events?xid=79&range=15m', expect.anything()]);
    // The datastore takes a minute: no second read beside the first.
    await wait(60_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    await act(async () => pending[0](Response.json(answer())));
    await wait(14_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    await wait(1_000);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('links the older page and the export to the window the first page read, and says so on the older page', () => {
    address = 'xid=79&range=15m';
    show(answer());
    const window = 'from=2026-12-06T11%3A45%3A00.000Z&to=2026-12-06T12%3A00%3A00.000Z';
    expect(screen.getByTestId('event-search-older').getAttribute('href')).toBe(
      `/events?xid=79&${window}&after=${encodeURIComponent(CURSOR)}`,
    );
    expect(screen.getByTestId('event-export-csv').getAttribute('href')).toBe(`/api/events?xid=79&${window}&format=csv`);
    cleanup();

    address = `xid=79&${window}&after=${encodeURIComponent(CURSOR)}`;
    show(
      answer({
        params: {
          xid: '79',
          from: '2026-12-06T11:45:00.000Z',
          to: '2026-12-06T12:00:00.000Z',
          after: CURSOR,
        },
        events: [row(13)],
        next: null,
      }),
    );
    expect(screen.getByTestId('event-search-summary').textContent).toMatch(
      /^1 event, an older page · of the window its first page read, .+ to .+$/,
    );
    expect(screen.getByTestId('event-search-newest').getAttribute('href')).toBe('/events?xid=79&range=15m');
    expect(screen.getByText('First page of this window').getAttribute('href')).toBe(`/events?xid=79&${window}`);
  });

  it('shows what the server refused and does not search without it', () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    address = 'errorCode=79&range=1h';
    const refused = 'unknown parameter "errorCode" (did you mean xid?); the search takes xid, …';
    show(null, refused);
    expect(screen.getByTestId('event-search-results').textContent).toContain(refused);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('says why a search by an entity type NVSentinel does not write may find nothing', () => {
    address = 'entity=rack:7&range=1h';
    show(answer({ params: { entity: 'rack:7', range: '1h' }, events: [], next: null }));
    expect(screen.getByTestId('event-search-results').textContent).toBe(
      'No event matches this search in this time range. NVSentinel\'s monitors write no entity type "rack" that the console knows (GPU, GPU_UUID, PCI, PCI_ID, NIC, NICPort, NVSWITCH, NVLINK, GPC, TPC, SM, REG0 to REG6; Kubernetes kinds such as v1/Pod), and a type is matched exactly, case included.',
    );
  });
});
