'use client';
// The console's header. Wide screens show every section and control in one row; below the `lg`
// breakpoint they fold behind a Menu button (a disclosure: aria-expanded, aria-controls), because
// a row of sections that scrolls sideways hid some of them on a phone. The menu closes when a link
// is followed, when the page changes by any other way, and on Escape (focus goes back to the button).
// The wide row holds the admin's ten sections, Views and the controls at 1280 px with room to spare
// because its parts are compact there (a connection status of fixed width, the role in the name's
// title, narrow gaps), not because any of them is hidden.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { UserMenu } from '@/components/auth/user-menu';
import { ConnectionIndicator } from '@/components/live/connection-indicator';
import { ViewsMenu } from '@/components/views/views-menu';

import { ThemeToggle } from './theme-toggle';
import { TimeZoneSwitch } from './time-zone-switch';

const sections = [
  { href: '/', label: 'Overview' },
  { href: '/nodes', label: 'Nodes' },
  { href: '/events', label: 'Events' },
  { href: '/pipeline', label: 'Pipeline' },
  { href: '/throughput', label: 'Throughput' },
  { href: '/reliability', label: 'Reliability' },
  { href: '/providers', label: 'Providers' },
  { href: '/audit', label: 'Audit' },
];

const MENU_ID = 'main-menu';

export function AppHeader() {
  const pathname = usePathname();
  const current = (href: string) => (href === '/' ? pathname === '/' : pathname.startsWith(href));
  const manageUsers = useCan('users:manage');
  const manageAlerts = useCan('alerts:manage');
  const links = [
    ...sections,
    ...(manageUsers ? [{ href: '/admin/users', label: 'Users' }] : []),
    ...(manageAlerts ? [{ href: '/admin/alerts', label: 'Alerts' }] : []),
  ];
  // Open only on the page it was opened on: any navigation closes it without an effect.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const menuButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpenOn(null);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', closeOnEscape);
    return () => document.removeEventListener('keydown', closeOnEscape);
  }, [open]);

  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 lg:gap-x-3 px-4 py-3">
        <Link href="/" className="order-1 font-semibold tracking-tight whitespace-nowrap">
          Sentinel Console
        </Link>
        <div className="order-2 ml-auto lg:order-3">
          <ConnectionIndicator />
        </div>
        <button
          ref={menuButton}
          type="button"
          aria-expanded={open}
          aria-controls={MENU_ID}
          onClick={() => setOpenOn(open ? null : pathname)}
          data-testid="menu-button"
          className="order-3 flex items-center gap-2 rounded border border-zinc-300 px-2.5 py-1 text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 lg:hidden dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800"
        >
          <svg aria-hidden viewBox="0 0 16 16" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="1.5">
            {open ? <path d="M4 4l8 8M12 4l-8 8" /> : <path d="M2 4h12M2 8h12M2 12h12" />}
          </svg>
          Menu
        </button>
        {/* One copy of the sections and controls: a panel under the row on narrow screens, and on wide
            ones (display: contents) items of the row itself. */}
        <div
          id={MENU_ID}
          data-testid="main-menu"
          className={`${open ? 'flex' : 'hidden'} order-4 w-full flex-col gap-3 border-t border-zinc-200 pt-3 lg:contents dark:border-zinc-800`}
        >
          <nav aria-label="Main" className="text-sm lg:order-2">
            <ul className="flex flex-col gap-1 lg:flex-row lg:gap-0.5">
              {links.map((section) => (
                <li key={section.href}>
                  <Link
                    href={section.href}
                    aria-current={current(section.href) ? 'page' : undefined}
                    onClick={() => setOpenOn(null)}
                    className="block rounded px-2 py-2 whitespace-nowrap lg:px-1.5 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 aria-[current=page]:bg-zinc-100 aria-[current=page]:text-zinc-900 lg:py-1 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-zinc-100"
                  >
                    {section.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-2 border-t lg:gap-x-1 border-zinc-200 pt-3 lg:order-4 lg:border-0 lg:pt-0 dark:border-zinc-800">
            <ThemeToggle />
            <ViewsMenu />
            <TimeZoneSwitch />
            <UserMenu />
          </div>
        </div>
      </div>
    </header>
  );
}
