// The console database pool of this server process (users, sessions, audit log), opened on first
// use; on globalThis so Next.js dev reloads do not open a pool each time.
import 'server-only';

import type pg from 'pg';

import { consoleDatabaseFromEnv, openConsolePool } from '@/lib/console/console-database';

const holder = globalThis as unknown as { sentinelConsolePool?: pg.Pool };

export function getConsolePool(): pg.Pool {
  holder.sentinelConsolePool ??= openConsolePool(consoleDatabaseFromEnv());
  return holder.sentinelConsolePool;
}
