// This process's sign-in: the Better Auth instance on the console database, and who is asking.
// Free of 'server-only' and next/* imports, so proxy.ts can name the signed-in user of a request
// it refuses (a cross-site post carrying an admin's cookie is recorded as that admin).
import { actorOf, type Actor } from '@/lib/auth/actor';
import { createConsoleAuth, type ConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { sharedConsolePool } from '@/lib/console-database/console-database';

const holder = globalThis as unknown as { sentinelConsoleAuth?: Promise<ConsoleAuth> };

export function getAuth(): Promise<ConsoleAuth> {
  holder.sentinelConsoleAuth ??= (async () => {
    const pool = sharedConsolePool();
    const settings = authSettingsFromEnv();
    return createConsoleAuth({ pool, secret: await consoleSecret(pool, settings.secret), settings, next: true });
  })().catch((error) => {
    holder.sentinelConsoleAuth = undefined;
    throw error;
  });
  return holder.sentinelConsoleAuth;
}

/** The signed-in user of these request headers; null when nobody is (or their role is unknown). */
export async function actorFrom(requestHeaders: Headers): Promise<Actor | null> {
  return actorOf(await getAuth(), requestHeaders);
}
