// @vitest-environment jsdom
// The Events page's tables as an on-call engineer uses them: an event row shows its node, check,
// XID, GPU and severity; its GPU opens the event in place with the way to its node page at that
// event and to that GPU's other events; the grouped view's GPUs narrow the search to one node's GPU.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { EventTable } from '@/components/events/event-table';
import { NodeGroupTable } from '@/components/events/node-group-table';
import { toSearchRow } from '@/lib/queries/events';
import { initialStatus, type HealthEventWithStatus } from '@/lib/store';

afterEach(cleanup);

function stored(overrides: Partial<HealthEventWithStatus['healthEvent']>): HealthEventWithStatus {
  return {
    recordId: '6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10',
    createdAt: new Date(Date.now() - 5 * 60_000),
    healthEvent: {
      version: 1,
      agent: 'syslog-health-monitor',
      componentClass: 'GPU',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      message: 'XID 79 reported on GPU 3',
      recommendedAction: 'RESTART_BM',
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
      metadata: {},
      generatedTimestamp: null,
      nodeName: 'gpu-node-0007',
      quarantineOverrides: null,
      drainOverrides: null,
      processingStrategy: 'EXECUTE_REMEDIATION',
      id: '',
      customRecommendedAction: '',
      ...overrides,
    },
    status: { ...initialStatus(), nodeQuarantined: 'Quarantined' },
  };
}

const params = { xid: '79', range: '1h' };

describe('event search table', () => {
  it('shows the node, check, XID, GPU, severity and action of each event', () => {
    render(<EventTable events={[toSearchRow(stored({}))]} params={params} />);
    const row = screen.getByTestId('event-search-row');
    const cells = within(row)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells.slice(1)).toEqual([
      'gpu-node-0007',
      'SysLogsXIDError',
      '79',
      'GPU 3',
      'fatal',
      'RESTART_BM',
      'XID 79 reported on GPU 3',
    ]);
    expect(within(row).getByTestId('event-node-link').getAttribute('href')).toBe(
      '/nodes/gpu-node-0007?range=1h&event=6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10',
    );
  });

  it('opens the event from its GPU: every field, its node page at the event, that GPU’s events', () => {
    render(<EventTable events={[toSearchRow(stored({}))]} params={params} />);
    expect(screen.queryByTestId('event-details')).toBeNull();
    fireEvent.click(screen.getByTestId('event-entity'));
    const details = screen.getByTestId('event-details');
    expect(screen.getByTestId('event-entity').getAttribute('aria-expanded')).toBe('true');
    expect(within(details).getByTestId('event-open-node').getAttribute('href')).toBe(
      '/nodes/gpu-node-0007?range=1h&event=6b1c7c2e-8f4c-4a55-9d4e-0e6c1f7c9a10',
    );
    expect(within(details).getByText('Events of GPU 3 on gpu-node-0007').getAttribute('href')).toBe(
      '/events?xid=79&entity=GPU%3A3&node=gpu-node-0007&range=1h',
    );
    expect(details.textContent).toContain('Quarantined');
    fireEvent.click(screen.getByTestId('event-entity'));
    expect(screen.queryByTestId('event-details')).toBeNull();
  });

  it('says when an event named several entities, and shows none as a dash', () => {
    render(
      <EventTable
        events={[
          toSearchRow(
            stored({
              entitiesImpacted: [
                { entityType: 'GPU', entityValue: '1' },
                { entityType: 'GPU', entityValue: '2' },
              ],
            }),
          ),
          toSearchRow({ ...stored({ entitiesImpacted: [], isFatal: false, isHealthy: true }), recordId: 'other' }),
        ]}
        params={params}
      />,
    );
    const [first, second] = screen.getAllByTestId('event-search-row');
    expect(within(first).getByTestId('event-entity').textContent).toBe('GPU 1 +1');
    expect(within(second).getAllByRole('cell')[4].textContent).toBe('—');
    expect(within(second).getAllByRole('cell')[5].textContent).toBe('healthy');
  });

  it('names a healthy event its monitor marked fatal as both, so the fatal filter does not list a plain "healthy"', () => {
    // NVSentinel acts on IsHealthy first (fault-quarantine/pkg/reconciler/reconciler.go:566,
    // lalitadithya/NVSentinel@42672ae): a recovery; the fatal filter and counts include it.
    render(
      <EventTable
        events={[
          toSearchRow(stored({ isFatal: true, isHealthy: true })),
          toSearchRow({ ...stored({ isFatal: false, isHealthy: true }), recordId: 'plain' }),
        ]}
        params={{ ...params, severity: 'fatal' }}
      />,
    );
    const [marked, plain] = screen.getAllByTestId('event-search-row');
    const severity = within(marked).getByTestId('event-severity');
    expect(severity.textContent).toBe('healthy(marked fatal)');
    expect(within(severity).getByTitle(/NVSentinel treats it as a recovery/)).toBeTruthy();
    expect(within(plain).getByTestId('event-severity').textContent).toBe('healthy');
  });
});

describe('events grouped by node', () => {
  it("links each node's count and each GPU to the search narrowed to them", () => {
    render(
      <NodeGroupTable
        nodes={[
          {
            nodeName: 'gpu-node-0007',
            count: 3,
            fatal: 2,
            firstAt: Date.now() - 50 * 60_000,
            lastAt: Date.now() - 60_000,
            entities: [
              { entityType: 'GPU', entityValue: '3' },
              { entityType: 'GPU', entityValue: '5' },
            ],
          },
        ]}
        params={{ ...params, view: 'nodes', node: 'gpu-node-*' }}
      />,
    );
    const row = screen.getByTestId('event-node-group');
    expect(within(row).getByTestId('event-node-group-count').getAttribute('href')).toBe(
      '/events?xid=79&node=gpu-node-0007&range=1h',
    );
    expect(
      within(row)
        .getAllByTestId('event-node-group-entity')
        .map((link) => [link.textContent, link.getAttribute('href')]),
    ).toEqual([
      ['GPU 3', '/events?xid=79&entity=GPU%3A3&node=gpu-node-0007&range=1h'],
      ['GPU 5', '/events?xid=79&entity=GPU%3A5&node=gpu-node-0007&range=1h'],
    ]);
    expect(within(row).getAllByRole('cell')[2].textContent).toBe('2');
  });
});
