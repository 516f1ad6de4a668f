// @vitest-environment jsdom
// The header's menu as a keyboard or screen-reader user meets it: a button that says whether it is
// open and which element it opens, every section in that element (Users only for admins), closed
// again by a followed link, by a page change made any other way, and by Escape, which gives focus
// back to the button. (Which breakpoint shows it is CSS: tests/e2e/phone-layout.spec.ts.)
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ActorProvider } from '@/components/auth/actor-context';
import { AppHeader } from '@/components/layout/app-header';
import type { Role } from '@/lib/auth/roles';

const address = vi.hoisted(() => ({ pathname: '/nodes' }));
vi.mock('next/navigation', () => ({
  usePathname: () => address.pathname,
  useRouter: () => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }),
}));
// The live stream's indicator needs the stream; the header only places it.
vi.mock('@/components/live/connection-indicator', () => ({ ConnectionIndicator: () => <span>Live</span> }));

afterEach(() => {
  cleanup();
  address.pathname = '/nodes';
});

function show(role: Role = 'admin') {
  // The Views menu reads the user's views through React Query (only once it is opened).
  const client = new QueryClient();
  return render(
    <ActorProvider actor={{ name: 'ada', displayName: 'Ada', role }}>
      <AppHeader />
    </ActorProvider>,
    { wrapper: ({ children }) => <QueryClientProvider client={client}>{children}</QueryClientProvider> },
  );
}

const menuButton = () => screen.getByRole('button', { name: 'Menu' });
const menu = () => document.getElementById(menuButton().getAttribute('aria-controls')!)!;
const isOpen = () => menuButton().getAttribute('aria-expanded') === 'true';

describe('the header menu', () => {
  it('is a closed disclosure button naming the element holding the sections', () => {
    show();
    expect(isOpen()).toBe(false);
    expect(menu()).not.toBeNull();
    expect(menu().className).toMatch(/(^| )hidden( |$)/);
    const nav = within(menu()).getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual([
      'Overview',
      'Nodes',
      'Events',
      'Pipeline',
      'Throughput',
      'Reliability',
      'Providers',
      'Audit',
      'Users',
      'Alerts',
    ]);
    expect(within(nav).getByRole('link', { name: 'Nodes' }).getAttribute('aria-current')).toBe('page');
  });

  it('lists Users and Alerts only for admins', () => {
    show('operator');
    expect(within(menu()).queryByRole('link', { name: 'Users' })).toBeNull();
    expect(within(menu()).queryByRole('link', { name: 'Alerts' })).toBeNull();
  });

  it('opens and closes with its button, showing the sections and the controls', () => {
    show();
    fireEvent.click(menuButton());
    expect(isOpen()).toBe(true);
    expect(menu().className).toMatch(/(^| )flex( |$)/);
    expect(within(menu()).getByRole('button', { name: /theme/ })).toBeTruthy();
    expect(within(menu()).getByRole('button', { name: 'Sign out' })).toBeTruthy();
    fireEvent.click(menuButton());
    expect(isOpen()).toBe(false);
  });

  it('closes when a section is followed', () => {
    show();
    fireEvent.click(menuButton());
    // jsdom cannot load another document; the router would take the click in the app.
    document.addEventListener('click', (event) => event.preventDefault(), { once: true });
    fireEvent.click(within(menu()).getByRole('link', { name: 'Audit' }));
    expect(isOpen()).toBe(false);
  });

  it('closes when the page changes another way (back, a link in the page)', () => {
    const view = show();
    fireEvent.click(menuButton());
    address.pathname = '/events';
    view.rerender(
      <ActorProvider actor={{ name: 'ada', displayName: 'Ada', role: 'admin' }}>
        <AppHeader />
      </ActorProvider>,
    );
    expect(isOpen()).toBe(false);
  });

  it('closes on Escape and gives focus back to its button; other keys leave it open', () => {
    show();
    fireEvent.click(menuButton());
    within(menu()).getByRole('link', { name: 'Events' }).focus();
    act(() => void fireEvent.keyDown(document.activeElement!, { key: 'Tab' }));
    expect(isOpen()).toBe(true);
    act(() => void fireEvent.keyDown(document.activeElement!, { key: 'Escape' }));
    expect(isOpen()).toBe(false);
    expect(document.activeElement).toBe(menuButton());
  });
});
