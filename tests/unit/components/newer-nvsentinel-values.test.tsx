// @vitest-environment jsdom
// The node pages with what a newer NVSentinel stores (docs/nvsentinel-data-model.md §8): the Nodes
// table keeps every node when one carries a value this console does not know and shows that value
// as "unknown (<raw>)"; an event's details show its idempotency key, fault-quarantine's recovery
// marker, and name the syslog monitor's cancellation event as one.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { EventRow } from '@/components/nodes/event-row';
import { NodeRow } from '@/components/nodes/node-row';
import { nodeListOf } from '@/lib/node-state/node-list';
import { NodeProjection } from '@/lib/node-state/node-projection';
import { toEventRow } from '@/lib/queries/node-detail-row';
import type { HealthEventWithStatus } from '@/lib/store';
import { decodeRow } from '@/lib/store/providers/postgres/health-event-codec';

import { cancellationDocument, healthyDocument, newerNvsentinelDocument } from '../../fixtures/nvsentinel/documents';

afterEach(cleanup);

let sequence = 0;
/** A row as NVSentinel's Go writers store it, read by the SDK's codec. */
const stored = (document: object): HealthEventWithStatus =>
  decodeRow({ id: `00000000-0000-4000-8000-${String((sequence += 1)).padStart(12, '0')}`, document });

function nodesTable(events: HealthEventWithStatus[]) {
  const projection = new NodeProjection();
  projection.load({
    latestPerCheck: [],
    decisions: events.filter((event) => event.status.nodeQuarantined),
    latestPerNode: events,
    fatalCounts: new Map(),
  });
  const list = nodeListOf(projection.views(), projection.counts(), {}, { page: 0, pageSize: 100 });
  render(
    <table>
      <tbody>
        {list.nodes.map((view) => (
          <NodeRow key={view.name} view={view} />
        ))}
      </tbody>
    </table>,
  );
  return list;
}

describe('values a newer NVSentinel writes, on the node pages', () => {
  it('lists every node when one has a recommended action and a drain status this console does not know', () => {
    const list = nodesTable([
      stored(newerNvsentinelDocument('gpu-node-a')),
      stored(newerNvsentinelDocument('gpu-node-b', { recommendedAction: 31, eviction: 'Skipped' })),
      stored(healthyDocument('gpu-node-c')),
    ]);
    expect(list.total).toBe(3);
    const rows = screen.getAllByTestId('node-row');
    expect(rows.map((row) => row.getAttribute('data-node')).sort()).toEqual(['gpu-node-a', 'gpu-node-b', 'gpu-node-c']);
    const unknown = rows.find((row) => row.getAttribute('data-node') === 'gpu-node-b')!;
    // Quarantined, never a known drain or remediation state it did not reach.
    expect(unknown.getAttribute('data-state')).toBe('quarantined');
    expect(
      within(unknown)
        .getAllByTestId('node-unknown')
        .map((note) => note.textContent),
    ).toEqual(['action unknown (31)', 'drain unknown (Skipped)']);
    expect(rows.find((row) => row.getAttribute('data-node') === 'gpu-node-a')!.getAttribute('data-state')).toBe(
      'draining',
    );
  });

  it("shows an event's idempotency key, fault-quarantine recovery and unknown values in its details", () => {
    const event = toEventRow(
      stored(newerNvsentinelDocument('gpu-node-b', { recommendedAction: 31, nodequarantined: 'SkippedByProfile' })),
    );
    render(
      <table>
        <tbody>
          <EventRow event={event} />
        </tbody>
      </table>,
    );
    const row = screen.getByTestId('event-row');
    expect(within(row).getByText('unknown (SkippedByProfile)')).toBeTruthy();
    fireEvent.click(row);
    const fields = screen.getByTestId('event-fields');
    expect(within(fields).getByText('gpu-node-b/batch-41/0')).toBeTruthy();
    expect(within(fields).getByText('fault-quarantine recovery: completed')).toBeTruthy();
    expect(within(fields).getByText('unknown (31)')).toBeTruthy();
  });

  it('names a healthy event its monitor also marked fatal as both: a recovery to NVSentinel, counted fatal here', () => {
    // fault-quarantine reads IsHealthy first (fault-quarantine/pkg/reconciler/reconciler.go:566,
    // lalitadithya/NVSentinel@42672ae); the "fatal only" filter and the fatal counts take isFatal.
    const document = healthyDocument('gpu-node-f');
    const both = { ...document, healthevent: { ...document.healthevent, isFatal: true } };
    render(
      <table>
        <tbody>
          <EventRow event={toEventRow(stored(both))} />
          <EventRow event={toEventRow(stored(healthyDocument('gpu-node-g')))} />
        </tbody>
      </table>,
    );
    const [marked, plain] = screen.getAllByTestId('event-row');
    expect(marked.getAttribute('data-severity')).toBe('recovered');
    expect(within(marked).getByTitle(/NVSentinel treats it as a recovery/).textContent).toBe('(marked fatal)');
    expect(within(plain).queryByText('(marked fatal)')).toBeNull();
  });

  it("labels the syslog monitor's cancellation event with the XID it cancels", () => {
    render(
      <table>
        <tbody>
          <EventRow event={toEventRow(stored(cancellationDocument('gpu-node-e', '162', '163')))} />
        </tbody>
      </table>,
    );
    expect(screen.getByTestId('event-cancellation').textContent).toBe('cancellation: cancels XID 163 (after XID 162)');
  });
});
