import type { Metadata } from 'next';
import type { ReactNode } from 'react';

import { AppHeader } from '@/components/layout/app-header';

import './globals.css';

export const metadata: Metadata = {
  title: 'Sentinel Console',
  description: 'GPU node health and fault pipeline operations for NVSentinel datastores',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
        <AppHeader />
        <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
      </body>
    </html>
  );
}
