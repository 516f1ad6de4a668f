// @vitest-environment jsdom
// The header's Views menu: on a page that keeps a filter it saves that page with the query string
// shown in the address bar, says what the server answered, and lists the user's own views as links
// to their stable address; elsewhere it only lists them. It asks for the list only once opened.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ViewsMenu } from '@/components/views/views-menu';
import type { SavedViewRow } from '@/lib/queries/saved-views-view';

const address = vi.hoisted(() => ({ pathname: '/events' }));
vi.mock('next/navigation', () => ({ usePathname: () => address.pathname }));

const view = (fields: Partial<SavedViewRow>): SavedViewRow => ({
  id: '0b7d3c1e-5f2a-4c8e-9d61-2a4b6c8e0f13',
  name: 'fatal events',
  path: '/events',
  query: 'severity=fatal',
  shared: false,
  ownerId: 'u1',
  ownerName: 'ada',
  mine: true,
  updatedAt: '2026-12-07T10:00:00.000Z',
  ...fields,
});

let views: SavedViewRow[] = [];
const posted: { url: string; body: unknown }[] = [];
const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
  if (init?.method === 'POST') {
    posted.push({ url, body: JSON.parse(String(init.body)) });
    return Response.json({ ok: true, message: 'View "rack 7" saved: Events filtered by severity=fatal' });
  }
  return Response.json({ views });
});

beforeEach(() => {
  vi.stubGlobal('fetch', fetchMock);
  window.history.replaceState(null, '', '/events?severity=fatal');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  fetchMock.mockClear();
  posted.length = 0;
  views = [];
  address.pathname = '/events';
});

const show = () =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ViewsMenu />
    </QueryClientProvider>,
  );

describe('the Views menu', () => {
  it('reads nothing until opened, then lists the user’s own views as links to their stable address', async () => {
    views = [view({}), view({ id: 'other', name: 'someone else’s', mine: false })];
    show();
    expect(fetchMock).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Views' }));
    const list = await screen.findByRole('navigation', { name: 'Your views' });
    const link = await within(list).findByRole('link', { name: /fatal events/ });
    expect(link.getAttribute('href')).toBe('/views/0b7d3c1e-5f2a-4c8e-9d61-2a4b6c8e0f13');
    expect(within(list).queryByRole('link', { name: /someone else/ })).toBeNull();
  });

  it('saves the page shown with the filter in the address bar and says what the server answered', async () => {
    show();
    fireEvent.click(screen.getByRole('button', { name: 'Views' }));
    fireEvent.change(screen.getByRole('textbox'), { target: { value: 'rack 7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(posted).toEqual([
        { url: '/api/views', body: { name: 'rack 7', path: '/events', query: 'severity=fatal' } },
      ]),
    );
    expect((await screen.findByRole('status')).textContent).toBe(
      'View "rack 7" saved: Events filtered by severity=fatal',
    );
    expect((screen.getByRole('textbox') as HTMLInputElement).value).toBe('');
  });

  it('offers no saving on a page that keeps no filter, and closes on Escape', async () => {
    address.pathname = '/pipeline';
    show();
    const button = screen.getByRole('button', { name: 'Views' });
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(screen.queryByRole('form', { name: 'Save this view' })).toBeNull();
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
  });
});
