import type { Metadata } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';

import { ThemeFromStorage } from '@/components/layout/theme-from-storage';
import { LOCAL_ZONE_SCRIPT } from '@/lib/format/display-zone';

import './globals.css';

export const metadata: Metadata = {
  title: 'Sentinel Console',
  description: 'GPU node health and fault pipeline operations for NVSentinel datastores',
};

// Applies the chosen (or the system's) theme before the first paint, and tells the server the
// browser's time zone for the pages after this one (lib/format/display-zone.ts). Inline, so it
// carries the request's CSP nonce (proxy.ts).
const beforePaintScript = `try{var t=localStorage.getItem('theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}${LOCAL_ZONE_SCRIPT}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: beforePaintScript }} />
      </head>
      <body className="min-h-screen bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
        <ThemeFromStorage />
        {children}
      </body>
    </html>
  );
}
