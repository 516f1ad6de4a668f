import { readUsers } from '@/lib/queries/users';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { UsersClient } from './client';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Users · Sentinel Console' };

export default async function UsersPage() {
  const actor = await requirePageActor('users:manage');
  const users = await readUsers(appContext());
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Users</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Viewers read every page; operators also quarantine and release nodes and retry dead letters; admins also manage
        users. Changes take effect at the user&apos;s next request and are recorded in the audit log.
      </p>
      <UsersClient users={users} selfId={actor.id} />
    </section>
  );
}
