'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';

import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';
import { createUser, disableUser, enableUser, setUserPassword, setUserRole } from '@/lib/actions/server-actions';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';
import { ROLES } from '@/lib/auth/roles';
import type { MutationResult } from '@/lib/actions/mutation';
import type { UserRow } from '@/lib/queries/users-view';

const input = 'rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const button =
  'rounded px-2 py-1 text-xs focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50';

/** Runs a user action, shows its result, and reloads the list when it changed something. */
function useUserAction() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<MutationResult | null>(null);
  const run = (action: () => Promise<MutationResult>, after?: () => void) =>
    startTransition(async () => {
      const outcome = await action();
      setResult(outcome);
      if (outcome.ok) {
        after?.();
        router.refresh();
      }
    });
  return { pending, result, run };
}

function Result({ result }: { result: MutationResult | null }) {
  if (!result) return null;
  return (
    <p
      role="status"
      data-testid="user-action-result"
      data-ok={result.ok}
      className={`text-sm ${result.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}`}
    >
      {result.ok ? result.message : result.error}
    </p>
  );
}

function CreateUser() {
  const { pending, result, run } = useUserAction();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    run(
      () =>
        createUser({
          username: data.get('username'),
          name: data.get('name') || undefined,
          password: data.get('password'),
          role: data.get('role'),
          idempotencyKey: newIdempotencyKey(),
        }),
      () => form.reset(),
    );
  }
  return (
    <Panel title="New local account">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm" aria-label="New local account">
        <label className="flex flex-col">
          Username
          <input name="username" required maxLength={64} autoComplete="off" className={input} />
        </label>
        <label className="flex flex-col">
          Name
          <input name="name" maxLength={100} autoComplete="off" className={input} />
        </label>
        <label className="flex flex-col">
          Password
          <input
            name="password"
            type="password"
            required
            minLength={12}
            maxLength={256}
            autoComplete="new-password"
            className={input}
          />
        </label>
        <label className="flex flex-col">
          Role
          <select name="role" defaultValue="viewer" className={input}>
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          disabled={pending}
          className="rounded bg-zinc-900 px-3 py-1.5 text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900"
        >
          {pending ? 'Creating…' : 'Create'}
        </button>
      </form>
      <div className="mt-2">
        <Result result={result} />
      </div>
    </Panel>
  );
}

function UserRowView({ user, self }: { user: UserRow; self: boolean }) {
  const { pending, result, run } = useUserAction();
  const [password, setPassword] = useState('');
  return (
    <tr
      className="border-t border-zinc-100 align-top dark:border-zinc-800"
      data-testid="user-row"
      data-username={user.username ?? user.email}
      data-role={user.role ?? ''}
      data-disabled={user.disabled}
    >
      <td className="py-2 pr-3">
        <span className="font-mono">{user.username ?? user.email}</span>
        {self ? <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">(you)</span> : null}
        <br />
        <span className="text-xs text-zinc-500 dark:text-zinc-400">
          {user.name} · {user.signInMethods.join(', ') || 'no sign-in method'}
        </span>
      </td>
      <td className="pr-3">
        <select
          aria-label={`Role of ${user.username ?? user.email}`}
          value={user.role ?? ''}
          disabled={pending}
          onChange={(event) =>
            run(() => setUserRole({ userId: user.id, role: event.target.value, idempotencyKey: newIdempotencyKey() }))
          }
          className={input}
        >
          {ROLES.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
      </td>
      <td className="pr-3">
        {user.disabled ? (
          <span className="text-red-700 dark:text-red-400" title={user.disabledReason ?? ''}>
            disabled
          </span>
        ) : (
          'active'
        )}
      </td>
      <td className="pr-3">
        <RelativeTime at={user.lastSeenAt ? Date.parse(user.lastSeenAt) : null} />
      </td>
      <td className="space-y-1">
        <div className="flex flex-wrap gap-1">
          {user.disabled ? (
            <button
              type="button"
              disabled={pending}
              onClick={() => run(() => enableUser({ userId: user.id, idempotencyKey: newIdempotencyKey() }))}
              className={`${button} border border-zinc-300 dark:border-zinc-700`}
            >
              Enable
            </button>
          ) : !self ? (
            <button
              type="button"
              disabled={pending}
              onClick={() => {
                const reason = window.prompt(
                  `Disable ${user.username ?? user.email}? Their sessions end at once. Reason:`,
                );
                if (reason !== null)
                  run(() => disableUser({ userId: user.id, reason, idempotencyKey: newIdempotencyKey() }));
              }}
              className={`${button} border border-red-300 text-red-700 dark:border-red-800 dark:text-red-400`}
            >
              Disable
            </button>
          ) : null}
          {user.signInMethods.includes('password') ? (
            <span className="flex gap-1">
              <input
                type="password"
                aria-label={`New password for ${user.username ?? user.email}`}
                placeholder="new password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                autoComplete="new-password"
                className={`${input} w-36 text-xs`}
              />
              <button
                type="button"
                disabled={pending || password.length === 0}
                onClick={() =>
                  run(
                    () => setUserPassword({ userId: user.id, password, idempotencyKey: newIdempotencyKey() }),
                    () => setPassword(''),
                  )
                }
                className={`${button} border border-zinc-300 dark:border-zinc-700`}
              >
                Set password
              </button>
            </span>
          ) : null}
        </div>
        <Result result={result} />
      </td>
    </tr>
  );
}

export function UsersClient({ users, selfId }: { users: UserRow[]; selfId: string }) {
  return (
    <div className="space-y-4">
      <CreateUser />
      <Panel
        title={`Accounts (${users.length})`}
        className="overflow-x-auto"
        state={users.length === 0 ? 'empty' : 'ready'}
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">User</th>
              <th className="pr-3 font-medium">Role</th>
              <th className="pr-3 font-medium">Status</th>
              <th className="pr-3 font-medium">Last active</th>
              <th className="font-medium">Change</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <UserRowView key={user.id} user={user} self={user.id === selfId} />
            ))}
          </tbody>
        </table>
      </Panel>
    </div>
  );
}
