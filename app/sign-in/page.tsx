import { redirect } from 'next/navigation';

import { OIDC_NO_ROLE_ERROR } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { safeNextPath } from '@/lib/client/auth-client';
import { currentActor } from '@/lib/server/auth';

import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in · Sentinel Console' };

/**
 * What to tell someone sent back here by a single sign-on that did not complete. Only the error
 * code is read (never error_description, which anyone can put in a link to this page).
 */
function signOnMessage(code: string, providerName: string): string {
  switch (code) {
    case OIDC_NO_ROLE_ERROR:
      return `You signed in at ${providerName}, but none of your groups at ${providerName} is allowed into this console. Ask an admin to add you to one that is.`;
    case 'access_denied':
      return `Sign-in was cancelled or refused at ${providerName}.`;
    default:
      return 'Single sign-on did not complete; try again or use a local account.';
  }
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string | string[]; error?: string | string[] }>;
}) {
  const { next, error } = await searchParams;
  const target = safeNextPath([next].flat().at(-1));
  if (await currentActor()) redirect(target);
  const oidc = authSettingsFromEnv().oidc;
  const code = [error].flat().at(-1);
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-4">
      <h1 className="text-xl font-semibold tracking-tight">Sentinel Console</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Sign in to see and act on your GPU nodes.</p>
      <SignInForm
        next={target}
        oidcName={oidc?.displayName ?? null}
        initialError={code ? signOnMessage(code, oidc?.displayName ?? 'your identity provider') : null}
      />
    </main>
  );
}
