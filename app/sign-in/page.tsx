import { redirect } from 'next/navigation';

import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { safeNextPath } from '@/lib/client/auth-client';
import { currentActor } from '@/lib/server/auth';

import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in · Sentinel Console' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string; error?: string }> }) {
  const { next, error } = await searchParams;
  const target = safeNextPath(next);
  if (await currentActor()) redirect(target);
  const oidc = authSettingsFromEnv().oidc;
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-4">
      <h1 className="text-xl font-semibold tracking-tight">Sentinel Console</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Sign in to see and act on your GPU nodes.</p>
      <SignInForm next={target} oidcName={oidc?.displayName ?? null} initialError={error ? 'Single sign-on did not complete; try again or use a local account.' : null} />
    </main>
  );
}
