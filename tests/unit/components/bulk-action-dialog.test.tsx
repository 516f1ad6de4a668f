// @vitest-environment jsdom
// The bulk quarantine/release dialog, as an operator meets it: a plan acting on more nodes than the
// user's changes a minute says why and keeps its submit disabled whatever is typed; a slow dry run
// from an earlier opening never replaces the plan of the current one, and the real run is the
// operation of the plan shown. With all matching selected and some rows unticked, the bar says how
// many exactly, the plan leaves the unticked out, and the run sends only the plan's names.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { BulkNodeResult } from '@/lib/actions/bulk-node-actions';
import type { BulkNodePlan, BulkOperation } from '@/lib/actions/bulk-node-plan';
import { BulkActionBar } from '@/components/nodes/bulk-action-bar';
import { useBulkActionDialog, type BulkSelection } from '@/components/nodes/bulk-action-dialog';

const server = vi.hoisted(() => ({
  bulkQuarantineNodes: vi.fn<(input: unknown) => Promise<BulkNodeResult>>(),
  bulkReleaseNodes: vi.fn<(input: unknown) => Promise<BulkNodeResult>>(),
}));
vi.mock('@/lib/actions/server-actions', () => server);

beforeAll(() => {
  // jsdom has <dialog> without its modal methods.
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.open = false;
  };
});
afterEach(() => {
  cleanup();
  server.bulkQuarantineNodes.mockReset();
  server.bulkReleaseNodes.mockReset();
});

const plan = (operation: BulkOperation, names: string[], rateLimit = 30): BulkNodeResult =>
  ({
    ok: true,
    dryRun: true,
    operation,
    act: names.map((name) => ({ name, state: operation === 'quarantine' ? 'healthy' : 'quarantined' })),
    refused: [],
    breaker: null,
    rateLimit,
  }) satisfies { ok: true; dryRun: true } & BulkNodePlan;

/** A page with the dialog and a button per way of opening it. */
function Harness({ openings }: { openings: [BulkOperation, BulkSelection][] }) {
  const dialog = useBulkActionDialog(() => {});
  return (
    <>
      {openings.map(([operation, selection], index) => (
        <button key={index} onClick={() => dialog.open(operation, selection)}>
          open {index}
        </button>
      ))}
      {dialog.element}
    </>
  );
}

describe('bulk action dialog', () => {
  it('a plan over the rate limit says why and keeps submit disabled, even with reason and confirmation typed', async () => {
    server.bulkQuarantineNodes.mockResolvedValue(plan('quarantine', ['gpu-a1', 'gpu-a2', 'gpu-a3'], 2));
    render(<Harness openings={[['quarantine', { filter: 'state=healthy' }]]} />);
    fireEvent.click(screen.getByText('open 0'));
    expect(await screen.findByText(/More than the 2 changes a minute a user may make/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'rack 7 power work' } });
    fireEvent.change(screen.getByTestId('bulk-confirm'), { target: { value: 'QUARANTINE 3' } });
    const submit = screen.getByTestId('bulk-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.submit(submit.closest('form')!);
    // Only the dry run was sent.
    expect(server.bulkQuarantineNodes).toHaveBeenCalledTimes(1);
  });

  it('within the rate limit, the typed confirmation enables submit and the plan’s names are sent', async () => {
    server.bulkQuarantineNodes.mockResolvedValueOnce(plan('quarantine', ['gpu-a1', 'gpu-a2'], 2));
    server.bulkQuarantineNodes.mockResolvedValueOnce({
      ok: true,
      dryRun: false,
      operation: 'quarantine',
      results: [
        { name: 'gpu-a1', ok: true, message: 'done' },
        { name: 'gpu-a2', ok: true, message: 'done' },
      ],
      done: 2,
      refused: 0,
    });
    render(<Harness openings={[['quarantine', { filter: 'state=healthy' }]]} />);
    fireEvent.click(screen.getByText('open 0'));
    await screen.findByTestId('bulk-plan');
    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'rack 7 power work' } });
    fireEvent.change(screen.getByTestId('bulk-confirm'), { target: { value: 'QUARANTINE 2' } });
    const submit = screen.getByTestId('bulk-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(false);
    fireEvent.click(submit);
    await screen.findByTestId('bulk-results');
    expect(server.bulkQuarantineNodes).toHaveBeenLastCalledWith(
      expect.objectContaining({ nodes: ['gpu-a1', 'gpu-a2'], reason: 'rack 7 power work' }),
    );
  });

  it('a late dry run from an earlier opening does not replace the current plan; the run is the plan’s operation', async () => {
    let answerFirst!: (result: BulkNodeResult) => void;
    server.bulkQuarantineNodes.mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)));
    server.bulkReleaseNodes.mockResolvedValueOnce(plan('release', ['gpu-q1']));
    server.bulkReleaseNodes.mockResolvedValueOnce({
      ok: true,
      dryRun: false,
      operation: 'release',
      results: [{ name: 'gpu-q1', ok: true, message: 'released' }],
      done: 1,
      refused: 0,
    });
    render(
      <Harness
        openings={[
          ['quarantine', { nodes: ['gpu-a1', 'gpu-a2'] }],
          ['release', { nodes: ['gpu-q1'] }],
        ]}
      />,
    );
    fireEvent.click(screen.getByText('open 0'));
    fireEvent.click(screen.getByText('open 1'));
    await waitFor(() => expect(screen.getByTestId('bulk-plan-count').textContent).toBe('Release 1 node:'));
    await act(async () => answerFirst(plan('quarantine', ['gpu-a1', 'gpu-a2'])));
    expect(screen.getByTestId('bulk-plan-count').textContent).toBe('Release 1 node:');
    expect(screen.queryByText(/gpu-a1/)).toBeNull();

    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'rack 7 done' } });
    fireEvent.change(screen.getByTestId('bulk-confirm'), { target: { value: 'RELEASE 1' } });
    fireEvent.click(screen.getByTestId('bulk-submit'));
    await screen.findByTestId('bulk-results');
    expect(server.bulkReleaseNodes).toHaveBeenLastCalledWith(expect.objectContaining({ nodes: ['gpu-q1'] }));
    expect(server.bulkQuarantineNodes).toHaveBeenCalledTimes(1);
  });

  it('all matching except the unticked: the bar counts exactly those, the plan leaves the unticked out', async () => {
    server.bulkQuarantineNodes.mockResolvedValueOnce(plan('quarantine', ['gpu-a1', 'gpu-a2', 'gpu-a3', 'gpu-a4']));
    server.bulkQuarantineNodes.mockResolvedValueOnce({
      ok: true,
      dryRun: false,
      operation: 'quarantine',
      results: [
        { name: 'gpu-a1', ok: true, message: 'done' },
        { name: 'gpu-a3', ok: true, message: 'done' },
      ],
      done: 2,
      refused: 0,
    });
    render(
      <BulkActionBar
        selected={[]}
        all
        except={['gpu-a2', 'gpu-a4']}
        matching={4}
        filter="state=healthy"
        onSelectAll={() => {}}
        onClear={() => {}}
      />,
    );
    expect(screen.getByTestId('bulk-selected').textContent).toBe(
      '2 selected: all 4 nodes matching this filter except 2 unticked',
    );
    fireEvent.click(screen.getByTestId('bulk-quarantine'));
    await screen.findByTestId('bulk-plan');
    expect(server.bulkQuarantineNodes).toHaveBeenCalledWith({ filter: 'state=healthy', dryRun: true });
    expect(screen.getByTestId('bulk-plan-count').textContent).toBe('Quarantine 2 nodes:');
    expect([...screen.getByTestId('bulk-plan-act').querySelectorAll('li')].map((item) => item.dataset.node)).toEqual([
      'gpu-a1',
      'gpu-a3',
    ]);
    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'rack 7 power work' } });
    fireEvent.change(screen.getByTestId('bulk-confirm'), { target: { value: 'QUARANTINE 2' } });
    fireEvent.click(screen.getByTestId('bulk-submit'));
    await screen.findByTestId('bulk-results');
    expect(server.bulkQuarantineNodes).toHaveBeenLastCalledWith(
      expect.objectContaining({ nodes: ['gpu-a1', 'gpu-a3'], reason: 'rack 7 power work' }),
    );
  });
});
