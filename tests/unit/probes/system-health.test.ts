// /api/health's verdict: ok only when the datastore answers and every schema the console reads is
// up to date; migrations count only where they exist (PostgreSQL datastore, the console database).
import { describe, expect, it } from 'vitest';

import { judgeHealth, type MigrationState } from '@/lib/probes/system-health';

const upToDate: MigrationState = {
  applied: ['0001_init'],
  pending: [],
  unknown: [],
  failed: [],
  modified: [],
  upToDate: true,
};
const pending: MigrationState = { ...upToDate, pending: ['0002_next'], upToDate: false };

describe('system health verdict', () => {
  it("PostgreSQL datastore: reachable, NVSentinel's schema one the console knows, the console's migrations up to date", () => {
    const database = { provider: 'postgresql' as const, target: 'h:5432/db', reachable: true };
    const schema = {
      state: 'current' as const,
      version: 3,
      commitOrderColumn: false,
      description: 'NVSentinel schema version 3',
    };
    expect(judgeHealth({ database, schema, migrations: upToDate })).toBe('ok');
    expect(judgeHealth({ database, schema, migrations: pending })).toBe('degraded');
    expect(judgeHealth({ database, migrations: upToDate })).toBe('degraded'); // schema unreadable
    expect(judgeHealth({ database, schema })).toBe('degraded'); // console migrations unreadable
    expect(judgeHealth({ database: { ...database, reachable: false, error: 'cannot reach PostgreSQL' } })).toBe(
      'degraded',
    );
    // An older schema NVSentinel has not migrated yet still serves; a newer or partial one does not.
    expect(judgeHealth({ database, schema: { ...schema, state: 'older', version: 2 }, migrations: upToDate })).toBe(
      'ok',
    );
    expect(judgeHealth({ database, schema: { ...schema, state: 'newer', version: 4 }, migrations: upToDate })).toBe(
      'degraded',
    );
    expect(
      judgeHealth({ database, schema: { ...schema, state: 'incomplete', version: null }, migrations: upToDate }),
    ).toBe('degraded');
    // The console's tables in a database of their own: their migrations are judged there.
    const consoleDatabase = { target: 'h:5432/console', reachable: true, migrations: upToDate };
    expect(judgeHealth({ database, schema, consoleDatabase })).toBe('ok');
  });

  it('MongoDB datastore: no migrations of its own; the console database must be reachable and up to date', () => {
    const database = { provider: 'mongodb' as const, target: 'm:27017/HealthEventsDatabase', reachable: true };
    const consoleDatabase = { target: 'h:5432/console', reachable: true, migrations: upToDate };
    expect(judgeHealth({ database, consoleDatabase })).toBe('ok');
    expect(judgeHealth({ database, consoleDatabase: { ...consoleDatabase, migrations: pending } })).toBe('degraded');
    expect(
      judgeHealth({ database, consoleDatabase: { target: 'h:5432/console', reachable: false, error: 'refused' } }),
    ).toBe('degraded');
    expect(judgeHealth({ database: { ...database, reachable: false }, consoleDatabase })).toBe('degraded');
  });

  it('a datastore that is not even configured is degraded', () => {
    expect(
      judgeHealth({
        database: {
          provider: null,
          target: '(not configured)',
          reachable: false,
          error: 'DATASTORE_PROVIDER=mongodb needs MONGODB_URI',
        },
      }),
    ).toBe('degraded');
  });
});
