// The Users page's read model: every console user, with their last sign-in.
import type { AppContext } from '@/lib/context/app-context';

import type { UserRow } from './users-view';

export async function readUsers(context: AppContext): Promise<UserRow[]> {
  const { rows } = await context.consolePool().query<{
    id: string;
    username: string | null;
    name: string;
    email: string;
    role: string | null;
    banned: boolean | null;
    banReason: string | null;
    methods: string[] | null;
    createdAt: Date;
    lastSeenAt: Date | null;
  }>(`
    SELECT u.id, u.username, u.name, u.email, u.role, u.banned, u."banReason",
           (SELECT array_agg(DISTINCT a."providerId") FROM console_account a WHERE a."userId" = u.id) AS methods,
           u."createdAt", (SELECT max(s."updatedAt") FROM console_session s WHERE s."userId" = u.id) AS "lastSeenAt"
      FROM console_user u ORDER BY u.username NULLS LAST, u.email`);
  return rows.map((row) => ({
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    role: row.role,
    disabled: Boolean(row.banned),
    disabledReason: row.banReason,
    signInMethods: (row.methods ?? []).map((method) => (method === 'credential' ? 'password' : method)),
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
  }));
}
