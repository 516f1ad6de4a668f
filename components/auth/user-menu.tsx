'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';

import { authClient } from '@/lib/client/auth-client';

import { useActor } from './actor-context';

export function UserMenu() {
  const actor = useActor();
  const router = useRouter();
  const [pending, setPending] = useState(false);
  if (!actor) return null;
  async function signOut() {
    setPending(true);
    await authClient.signOut();
    router.replace('/sign-in');
    router.refresh();
  }
  return (
    <div className="flex items-center gap-2 text-sm">
      {/* On a wide screen the role is in the name's title and read out with it, not a chip: the
          header is one row. Below lg (the Menu's panel) there is room to show it. */}
      <span
        className="text-zinc-600 dark:text-zinc-400"
        data-testid="signed-in-user"
        title={`Signed in as ${actor.displayName} (${actor.role})`}
      >
        {actor.displayName}{' '}
        <span className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs lg:sr-only dark:bg-zinc-800">{actor.role}</span>
      </span>
      <button
        type="button"
        onClick={signOut}
        disabled={pending}
        className="rounded px-2 py-1 text-zinc-600 lg:px-1.5 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50 dark:text-zinc-400 dark:hover:bg-zinc-800"
      >
        Sign out
      </button>
    </div>
  );
}
