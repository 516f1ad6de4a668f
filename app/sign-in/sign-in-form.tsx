'use client';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

import { authClient } from '@/lib/client/auth-client';

const field =
  'mt-1 w-full rounded border border-zinc-300 bg-white px-3 py-2 text-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-zinc-700 dark:bg-zinc-900';
const button =
  'w-full rounded px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50';

export function SignInForm({
  next,
  oidcName,
  initialError,
}: {
  next: string;
  oidcName: string | null;
  initialError: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const { error: failure } = await authClient.signIn.username({
      username: String(form.get('username') ?? ''),
      password: String(form.get('password') ?? ''),
    });
    if (failure) {
      setPending(false);
      // 429 is either limit: this address's attempts per minute, or this account's failures in a row
      // (whose message says how long to wait).
      const throttled = failure.status === 429 && failure.code === 'ACCOUNT_THROTTLED';
      setError(
        failure.status === 429 && !throttled
          ? 'Too many attempts; wait a minute and try again.'
          : failure.message || 'Sign-in failed.',
      );
      return;
    }
    router.replace(next);
    router.refresh();
  }

  // Better Auth sends the browser to the provider, and back to `next`; a refusal or failure comes
  // back to this page with ?error=<code> added to errorCallbackURL.
  async function signInWithOidc() {
    setPending(true);
    const { error: failure } = await authClient.signIn.social({
      provider: 'oidc',
      callbackURL: next,
      errorCallbackURL: `/sign-in?next=${encodeURIComponent(next)}`,
    });
    if (failure) {
      setPending(false);
      setError(failure.message || 'Single sign-on is unavailable.');
    }
  }

  return (
    <div className="mt-6 rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
      {oidcName && (
        <>
          <button
            type="button"
            onClick={signInWithOidc}
            disabled={pending}
            className={`${button} bg-sky-700 text-white hover:bg-sky-800`}
          >
            Sign in with {oidcName}
          </button>
          <p className="my-4 text-center text-xs text-zinc-500 dark:text-zinc-400">or with a local account</p>
        </>
      )}
      <form onSubmit={signIn} className="space-y-4" aria-label="Sign in">
        <label className="block text-sm">
          Username
          <input name="username" autoComplete="username" required maxLength={64} className={field} />
        </label>
        <label className="block text-sm">
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={256}
            className={field}
          />
        </label>
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={pending}
          className={`${button} bg-zinc-900 text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300`}
        >
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
