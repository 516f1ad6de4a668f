import type { ReactNode } from 'react';

import { ActorProvider } from '@/components/auth/actor-context';
import { AppHeader } from '@/components/layout/app-header';
import { requirePageActor } from '@/lib/server/auth';

import { Providers } from './app-providers';

// Every page of the console needs a signed-in user; the sign-in page lives outside this group.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requirePageActor();
  return (
    <ActorProvider actor={{ name: actor.name, displayName: actor.displayName, role: actor.role }}>
      <Providers>
        <AppHeader />
        <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
      </Providers>
    </ActorProvider>
  );
}
