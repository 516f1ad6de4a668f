// Liveness plus database reachability and migration state, for /api/health and the overview.
import 'server-only';

import { describeTarget } from '@/lib/store/providers/postgres/connection-error';
import { migrationStatus, type MigrationStatus } from '@/lib/store/providers/postgres/schema/migration-runner';

export interface SystemHealth {
  status: 'ok' | 'degraded';
  checkedAt: string;
  uptimeSeconds: number;
  database: {
    target: string;
    reachable: boolean;
    latencyMs?: number;
    error?: string;
  };
  migrations?: MigrationStatus & { upToDate: boolean };
}

export async function checkSystemHealth(): Promise<SystemHealth> {
  const url = process.env.DATABASE_URL;
  const base = { checkedAt: new Date().toISOString(), uptimeSeconds: Math.round(process.uptime()) };
  if (!url) {
    return { ...base, status: 'degraded', database: { target: '(DATABASE_URL not set)', reachable: false, error: 'DATABASE_URL is not set' } };
  }
  const target = describeTarget(url);
  const started = performance.now();
  try {
    const migrations = await migrationStatus(url);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const upToDate = migrations.pending.length === 0 && migrations.failed.length === 0 && migrations.unknown.length === 0;
    return {
      ...base,
      status: upToDate ? 'ok' : 'degraded',
      database: { target, reachable: true, latencyMs },
      migrations: { ...migrations, upToDate },
    };
  } catch (error) {
    return { ...base, status: 'degraded', database: { target, reachable: false, error: (error as Error).message } };
  }
}
