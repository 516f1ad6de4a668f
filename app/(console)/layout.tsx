import { cookies } from 'next/headers';
import type { ReactNode } from 'react';

import { ActorProvider } from '@/components/auth/actor-context';
import { AppHeader } from '@/components/layout/app-header';
import { WarmingUpBanner } from '@/components/live/warming-up-banner';
import { DisplayZoneProvider } from '@/components/ui/display-zone';
import { displayZoneOf, LOCAL_ZONE_COOKIE, TIMES_COOKIE, timesChoiceOf } from '@/lib/format/display-zone';
import { requirePageActor } from '@/lib/server/auth';

import { Providers } from './app-providers';

// Every page of the console needs a signed-in user; the sign-in page lives outside this group.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requirePageActor();
  // Times render in the zone the browser will show them in (lib/format/display-zone.ts).
  const jar = await cookies();
  const times = jar.get(TIMES_COOKIE)?.value;
  return (
    <ActorProvider actor={{ name: actor.name, displayName: actor.displayName, role: actor.role }}>
      <DisplayZoneProvider zone={displayZoneOf(times, jar.get(LOCAL_ZONE_COOKIE)?.value)} choice={timesChoiceOf(times)}>
        <Providers>
          <AppHeader />
          <WarmingUpBanner />
          <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
        </Providers>
      </DisplayZoneProvider>
    </ActorProvider>
  );
}
