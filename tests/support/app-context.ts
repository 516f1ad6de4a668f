// An app context for tests: the parts a test has (a store on its database, a console pool, Better
// Auth over it), each part it lacks failing loudly when used, so a read model or an action runs
// exactly as in the server, on the test's own data.
import type pg from 'pg';

import { actorOf } from '@/lib/auth/actor';
import type { ConsoleAuth } from '@/lib/auth/auth-config';
import type { AppContext, DatastoreSource } from '@/lib/context/app-context';
import type { LiveHub } from '@/lib/live/live-hub';
import type { DataStore } from '@/lib/store';

export interface TestContextParts {
  store?: DataStore;
  liveHub?: LiveHub;
  consolePool?: pg.Pool;
  auth?: ConsoleAuth;
  datastores?: DatastoreSource[];
  cluster?: ReturnType<AppContext['cluster']>;
}

const missing = (part: string) => (): never => {
  throw new Error(`this test's app context has no ${part}`);
};

export function testAppContext(parts: TestContextParts): AppContext {
  const { store, liveHub, consolePool, auth } = parts;
  return {
    store: store ? async () => store : missing('datastore'),
    liveHub: liveHub ? async () => liveHub : missing('live hub'),
    currentLiveHub: () => liveHub,
    datastores: () =>
      parts.datastores ??
      (store ? [{ id: 'primary', role: 'App datastore', target: null, open: async () => store }] : []),
    consolePool: consolePool ? () => consolePool : missing('console database'),
    auth: auth ? async () => auth : missing('sign-in'),
    actor: auth ? (headers) => actorOf(auth, headers) : missing('sign-in'),
    cluster: () => parts.cluster ?? null,
  };
}
