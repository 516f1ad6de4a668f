'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

import { useCan } from '@/components/auth/actor-context';
import { UserMenu } from '@/components/auth/user-menu';
import { ConnectionIndicator } from '@/components/live/connection-indicator';

import { ThemeToggle } from './theme-toggle';

const sections = [
  { href: '/', label: 'Overview' },
  { href: '/nodes', label: 'Nodes' },
  { href: '/events', label: 'Events' },
  { href: '/pipeline', label: 'Pipeline' },
  { href: '/throughput', label: 'Throughput' },
  { href: '/providers', label: 'Providers' },
  { href: '/audit', label: 'Audit' },
];

export function AppHeader() {
  const pathname = usePathname();
  const current = (href: string) => (href === '/' ? pathname === '/' : pathname.startsWith(href));
  const manageUsers = useCan('users:manage');
  const links = manageUsers ? [...sections, { href: '/admin/users', label: 'Users' }] : sections;
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      {/* On a phone the row wraps: name and controls first, then the sections as a row that scrolls sideways. */}
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="whitespace-nowrap font-semibold tracking-tight">
          Sentinel Console
        </Link>
        <nav
          aria-label="Main"
          className="order-last -mx-2 flex w-full gap-1 overflow-x-auto whitespace-nowrap px-2 text-sm md:order-none md:mx-0 md:w-auto md:px-0"
        >
          {links.map((section) => (
            <Link
              key={section.href}
              href={section.href}
              aria-current={current(section.href) ? 'page' : undefined}
              className="rounded px-2 py-1 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 aria-[current=page]:bg-zinc-100 aria-[current=page]:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-zinc-100"
            >
              {section.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex flex-wrap items-center justify-end gap-x-3 gap-y-1">
          <ConnectionIndicator />
          <ThemeToggle />
          <UserMenu />
        </div>
      </div>
    </header>
  );
}
