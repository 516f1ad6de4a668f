// @vitest-environment jsdom
// The breaker panel's reset, as an admin meets it: a Reset… button only while TRIPPED and only for
// who may reset; the dialog shows the backlog first ("unknown" when the lag is not known), the two
// modes, and sends nothing until a mode, a reason and the typed confirmation are there, then sends the
// ConfigMap's resourceVersion the page showed when the dialog opened; the server's refusal is shown in
// the dialog, its answer after the dialog closes, and the page is read again after either.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { CircuitBreakerPanel } from '@/components/pipeline/circuit-breaker-panel';
import type { MutationResult } from '@/lib/actions/mutation';
import type { CircuitBreakerView } from '@/lib/cluster/circuit-breaker-view';

const server = vi.hoisted(() => ({ resetBreaker: vi.fn<(input: unknown) => Promise<MutationResult>>() }));
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
  server.resetBreaker.mockReset();
});

const breaker = (status: string, waiting: number | null, resourceVersion = '4711'): CircuitBreakerView => ({
  status,
  cursor: 'RESUME',
  trippedAt: null,
  resourceVersion,
  gpuNodes: 48,
  recentCordons: 36,
  limit: 36,
  limits: { percentage: 75, windowSeconds: 30 },
  waiting,
  connection: { state: 'live', staleSince: null, lastError: null, nodes: 48 },
});

/** Text as a person reads it: white space collapsed. */
const text = (element: HTMLElement) => (element.textContent ?? '').replace(/\s+/g, ' ').trim();

const fill = (mode: 'resume' | 'create', reason: string, confirm: string) => {
  fireEvent.click(screen.getByTestId(`breaker-mode-${mode}`));
  fireEvent.change(screen.getByTestId('breaker-reset-reason'), { target: { value: reason } });
  fireEvent.change(screen.getByTestId('breaker-reset-confirm'), { target: { value: confirm } });
};

describe('the breaker reset on the Pipeline page', () => {
  it('offers Reset… only while TRIPPED, and only to who may reset', () => {
    const { rerender } = render(<CircuitBreakerPanel breaker={breaker('TRIPPED', 12)} />);
    expect(screen.queryByTestId('breaker-reset')).toBeNull();
    rerender(<CircuitBreakerPanel breaker={breaker('CLOSED', 0)} mayReset />);
    expect(screen.queryByTestId('breaker-reset')).toBeNull();
    rerender(<CircuitBreakerPanel breaker={breaker('TRIPPED', 12)} mayReset />);
    expect(text(screen.getByTestId('breaker-reset'))).toContain('Reset…');
  });

  it('shows the backlog first, "unknown" when the lag is not known', () => {
    const { rerender } = render(<CircuitBreakerPanel breaker={breaker('TRIPPED', 1234)} mayReset />);
    fireEvent.click(screen.getByTestId('breaker-reset'));
    expect(text(screen.getByTestId('breaker-reset-backlog'))).toContain(
      "1,234 events wait behind the breaker (fault-quarantine's backlog in the datastore).",
    );
    expect(text(screen.getByTestId('breaker-reset-dialog'))).toContain('process the 1,234 events');
    rerender(<CircuitBreakerPanel breaker={breaker('TRIPPED', null)} mayReset />);
    expect(screen.getByTestId('breaker-reset-backlog').getAttribute('data-waiting')).toBe('unknown');
    expect(text(screen.getByTestId('breaker-reset-backlog'))).toContain('An unknown number of events wait');
  });

  it('sends nothing until a mode, a reason and the confirmation are given; then the mode and reason', async () => {
    const onReset = vi.fn();
    server.resetBreaker.mockResolvedValue({ ok: true, message: 'Breaker reset: the API server stored …' });
    render(<CircuitBreakerPanel breaker={breaker('TRIPPED', 5)} mayReset onReset={onReset} />);
    fireEvent.click(screen.getByTestId('breaker-reset'));
    const submit = screen.getByTestId('breaker-reset-submit');
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fill('create', 'ok', 'reset');
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fill('create', 'stale backlog', 'rest');
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fill('create', 'stale backlog', 'reset');
    expect(text(submit)).toContain('Reset from now');
    fireEvent.click(submit);
    await waitFor(() => expect(screen.queryByTestId('breaker-reset-result')).not.toBeNull());
    expect(server.resetBreaker).toHaveBeenCalledTimes(1);
    expect(server.resetBreaker.mock.calls[0][0]).toMatchObject({
      mode: 'create',
      reason: 'stale backlog',
      resourceVersion: '4711',
    });
    expect(text(screen.getByTestId('breaker-reset-result'))).toContain('Breaker reset: the API server stored');
    expect((screen.getByTestId('breaker-reset-dialog') as HTMLDialogElement).open).toBe(false);
    expect(onReset).toHaveBeenCalledTimes(1);
  });

  it("shows the server's refusal in the dialog and keeps it open", async () => {
    const onReset = vi.fn();
    const error =
      'the console\'s Kubernetes account may not patch deployments "fault-quarantine" in namespace nvsentinel';
    server.resetBreaker.mockResolvedValue({ ok: false, outcome: 'error', status: 500, error });
    render(<CircuitBreakerPanel breaker={breaker('TRIPPED', 5)} mayReset onReset={onReset} />);
    fireEvent.click(screen.getByTestId('breaker-reset'));
    fill('resume', 'switch fixed', 'reset');
    expect(text(screen.getByTestId('breaker-reset-submit'))).toContain('Reset and resume');
    fireEvent.click(screen.getByTestId('breaker-reset-submit'));
    await waitFor(() => expect(text(screen.getByTestId('breaker-reset-error'))).toContain(error));
    expect((screen.getByTestId('breaker-reset-dialog') as HTMLDialogElement).open).toBe(true);
    expect(server.resetBreaker.mock.calls[0][0]).toMatchObject({ mode: 'resume', reason: 'switch fixed' });
    // The breaker may have changed (put back, tripped again): the page reads it again behind the dialog.
    expect(onReset).toHaveBeenCalledTimes(1);
  });

  it('sends the breaker as it was when the dialog opened, not as a later read of the page has it', async () => {
    server.resetBreaker.mockResolvedValue({ ok: false, outcome: 'invalid', status: 409, error: 'tripped again' });
    const { rerender } = render(<CircuitBreakerPanel breaker={breaker('TRIPPED', 5, '100')} mayReset />);
    fireEvent.click(screen.getByTestId('breaker-reset'));
    // The page re-read while the dialog was open: the admin decided on what the dialog opened with.
    rerender(<CircuitBreakerPanel breaker={breaker('TRIPPED', 9, '180')} mayReset />);
    fill('resume', 'switch fixed', 'reset');
    fireEvent.click(screen.getByTestId('breaker-reset-submit'));
    await waitFor(() => expect(server.resetBreaker).toHaveBeenCalledTimes(1));
    expect(server.resetBreaker.mock.calls[0][0]).toMatchObject({ resourceVersion: '100' });
  });
});
