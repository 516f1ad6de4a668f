// @vitest-environment jsdom
// The node page's maintenance opt-out, as an operator meets it: the state in words (the console's own
// with until, by and why; one set outside the console; janitor's), "Take out of NVSentinel…" only on a
// managed node and "Put back now" only on the console's own, neither for a viewer; the dialog sends
// a duration or an end time with the reason, and shows the server's refusal; "Put back now" sends the
// since of the opt-out it was opened on.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { ActorProvider } from '@/components/auth/actor-context';
import { OptOutControl } from '@/components/nodes/opt-out-control';
import type { MutationResult } from '@/lib/actions/mutation';
import type { Role } from '@/lib/auth/roles';
import { optOutOf } from '@/lib/cluster/opt-out-record';

const server = vi.hoisted(() => ({
  optOutNode: vi.fn<(input: unknown) => Promise<MutationResult>>(),
  optInNode: vi.fn<(input: unknown) => Promise<MutationResult>>(),
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
  server.optOutNode.mockReset();
  server.optInNode.mockReset();
});

const LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';
const RECORD = {
  'sentinel-console/opt-out-until': '2026-12-06T14:00:00Z',
  'sentinel-console/opt-out-since': '2026-12-06T12:00:00Z',
  'sentinel-console/opt-out-by': 'olga',
  'sentinel-console/opt-out-reason': 'driver upgrade',
};
const text = (element: HTMLElement) => (element.textContent ?? '').replace(/\s+/g, ' ').trim();

function as(role: Role, children: ReactNode) {
  return (
    <QueryClientProvider client={new QueryClient()}>
      <ActorProvider actor={{ name: 'olga', displayName: 'Olga', role }}>{children}</ActorProvider>
    </QueryClientProvider>
  );
}

describe('the maintenance opt-out on the node page', () => {
  it('says whose opt-out it is, and offers only what the console may do: take out a managed node, put back its own', () => {
    const { rerender } = render(as('operator', <OptOutControl nodeName="gpu-1" optOut={null} />));
    expect(screen.getByTestId('opt-out-state').dataset.optOut).toBe('managed');
    expect(screen.getByTestId('opt-out-open')).toBeTruthy();
    expect(screen.queryByTestId('opt-in-open')).toBeNull();

    rerender(as('operator', <OptOutControl nodeName="gpu-1" optOut={optOutOf({ [LABEL]: 'false' }, RECORD)} />));
    expect(screen.getByTestId('opt-out-state').dataset.optOut).toBe('console');
    expect(text(screen.getByTestId('opt-out-state'))).toMatch(/^Opted out until .+ by olga: “driver upgrade”/);
    expect(screen.getByTestId('opt-in-open')).toBeTruthy();
    expect(screen.queryByTestId('opt-out-open')).toBeNull();

    rerender(as('operator', <OptOutControl nodeName="gpu-1" optOut={optOutOf({ [LABEL]: 'false' }, {})} />));
    expect(text(screen.getByTestId('opt-out-state'))).toContain(
      'Opted out by someone else (label set outside the console)',
    );
    expect(screen.queryByTestId('opt-out-open')).toBeNull();
    expect(screen.queryByTestId('opt-in-open')).toBeNull();

    rerender(
      as(
        'operator',
        <OptOutControl nodeName="gpu-1" optOut={optOutOf({ 'nvsentinel.dgxc.nvidia.com/managed': 'false' }, {})} />,
      ),
    );
    expect(text(screen.getByTestId('opt-out-state'))).toContain("Held by janitor's external remediation");
    // Janitor's hold ends with its request; the console's own opt-out can still be added beside it.
    expect(screen.getByTestId('opt-out-open')).toBeTruthy();

    rerender(as('viewer', <OptOutControl nodeName="gpu-1" optOut={optOutOf({ [LABEL]: 'false' }, RECORD)} />));
    expect(screen.getByTestId('opt-out-state').dataset.optOut).toBe('console');
    expect(screen.queryByTestId('opt-in-open')).toBeNull();
  });

  it('sends the chosen duration, or the custom end time as RFC 3339, with the reason; shows a refusal in the dialog', async () => {
    server.optOutNode.mockResolvedValueOnce({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error: 'gpu-1 is already out of NVSentinel’s hands',
    });
    server.optOutNode.mockResolvedValueOnce({ ok: true, message: 'gpu-1 is out of NVSentinel’s hands until …' });
    render(as('operator', <OptOutControl nodeName="gpu-1" optOut={null} />));
    fireEvent.click(screen.getByTestId('opt-out-open'));
    const submit = screen.getByTestId('opt-out-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true); // no reason yet
    fireEvent.click(screen.getByTestId('opt-out-duration-4h'));
    fireEvent.change(screen.getByTestId('opt-out-reason'), { target: { value: 'driver upgrade' } });
    fireEvent.click(submit);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('already out'));
    expect(server.optOutNode).toHaveBeenLastCalledWith(
      expect.objectContaining({ nodeName: 'gpu-1', reason: 'driver upgrade', duration: '4h' }),
    );

    fireEvent.click(screen.getByTestId('opt-out-duration-custom'));
    expect(submit.disabled).toBe(true); // no end time yet
    fireEvent.change(screen.getByTestId('opt-out-until'), { target: { value: '2026-12-24T18:30' } });
    fireEvent.click(submit);
    await waitFor(() => expect(text(screen.getByTestId('opt-out-result'))).toContain('is out of NVSentinel'));
    const sent = server.optOutNode.mock.lastCall![0] as Record<string, unknown>;
    expect(sent).not.toHaveProperty('duration');
    expect(sent.until).toBe(new Date('2026-12-24T18:30').toISOString());
    expect((screen.getByTestId('opt-out-dialog') as HTMLDialogElement).open).toBe(false);
  });

  it('puts back with a reason, naming the opt-out it was opened on by its since', async () => {
    server.optInNode.mockResolvedValueOnce({ ok: true, message: 'gpu-1 is back in NVSentinel’s hands' });
    const { rerender } = render(
      as('operator', <OptOutControl nodeName="gpu-1" optOut={optOutOf({ [LABEL]: 'false' }, RECORD)} />),
    );
    fireEvent.click(screen.getByTestId('opt-in-open'));
    expect(screen.queryByTestId('opt-out-duration-2h')).toBeNull();
    // The page re-read while the dialog was open: another opt-out there now is not the one decided on.
    const newer = { ...RECORD, 'sentinel-console/opt-out-since': '2026-12-06T13:00:00Z' };
    rerender(as('operator', <OptOutControl nodeName="gpu-1" optOut={optOutOf({ [LABEL]: 'false' }, newer)} />));
    fireEvent.change(screen.getByTestId('opt-out-reason'), { target: { value: 'upgrade done' } });
    fireEvent.click(screen.getByTestId('opt-out-submit'));
    await waitFor(() =>
      expect(server.optInNode).toHaveBeenCalledWith(
        expect.objectContaining({ nodeName: 'gpu-1', reason: 'upgrade done', since: '2026-12-06T12:00:00.000Z' }),
      ),
    );
  });
});
