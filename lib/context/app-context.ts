// What the console's read models, actions and probes work on: the app's datastore and live hub,
// the console database and sign-in. They receive it instead of reaching for process singletons, so
// each can run on any datastore (a test's, a benchmark's) without Next.js. The server builds one
// per process (lib/server/app-context.ts); tests build their own (tests/support/app-context.ts).
import type pg from 'pg';

import type { Actor } from '@/lib/auth/actor';
import type { ClusterAccess } from '@/lib/cluster/cluster-access';
import type { ClusterState } from '@/lib/cluster/cluster-state';
import type { ConsoleAuth } from '@/lib/auth/auth-config';
import type { LiveHub } from '@/lib/live/live-hub';
import type { EventCountReads } from '@/lib/projection/event-count-reads';
import type { DataStore } from '@/lib/store';

/** A datastore the console reads, as configured (the Providers page shows each in a column). */
export interface DatastoreSource {
  id: string;
  /** What it is to the operator: "App datastore", "Secondary". */
  role: string;
  /** Where it is, without credentials (host:port/database), when known. */
  target: string | null;
  /** Opens (or returns the already open) store; a rejection is shown in the column. */
  open: () => Promise<DataStore>;
}

export interface AppContext {
  /** The app's datastore (NVSentinel's), opened on first use. */
  store(): Promise<DataStore>;
  /** The live hub on that datastore, started on first use. */
  liveHub(): Promise<LiveHub>;
  /** The live hub as it is (starting, running or recovering) without starting one; undefined before the first liveHub(). */
  currentLiveHub(): LiveHub | undefined;
  /** Every configured datastore: the app's, and a secondary one when configured. */
  datastores(): DatastoreSource[];
  /** The Throughput page's roll-ups in the console database (absent: charts read every event of their range). */
  eventCounts?(): EventCountReads;
  /** The console's own database: users, sessions, the audit log, idempotency keys. */
  consolePool(): pg.Pool;
  /** Sign-in (Better Auth) on the console database. */
  auth(): Promise<ConsoleAuth>;
  /** The signed-in user of these request headers; null when nobody is. */
  actor(headers: Headers): Promise<Actor | null>;
  /** The Kubernetes cluster NVSentinel runs in, when one is configured: where it is, and its state as watched. */
  cluster(): { access: ClusterAccess; state: ClusterState } | null;
}
