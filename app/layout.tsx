import type { Metadata } from 'next';
import type { ReactNode } from 'react';

import { AppHeader } from '@/components/layout/app-header';

import './globals.css';
import { Providers } from './app-providers';

export const metadata: Metadata = {
  title: 'Sentinel Console',
  description: 'GPU node health and fault pipeline operations for NVSentinel datastores',
};

// Applies the chosen (or the system's) theme before the first paint.
const themeScript = `try{var t=localStorage.getItem('theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
        <Providers>
          <AppHeader />
          <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
