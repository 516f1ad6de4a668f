// Which URL migrates the console database: the owner's, never handed to the app.
import { describe, expect, it } from 'vitest';

import { migrationUrlFor, rewriteWarning } from '@/lib/console-database/console-migrations';
import type { EmbeddedConsoleRoles } from '@/lib/console-database/embedded-console-roles';

const app = 'postgresql://console:a@db:5432/console';
const owner = 'postgresql://console_owner:b@db:5432/console';
const embedded: EmbeddedConsoleRoles = {
  appUrl: 'postgresql://sentinel_console:x@127.0.0.1:54329/nvsentinel',
  ownerUrl: 'postgresql://sentinel_console_owner:y@127.0.0.1:54329/nvsentinel',
  grantAppRole: async () => {},
};

describe('migrationUrlFor', () => {
  it('the embedded database: its owner role, whatever the environment says', () => {
    expect(migrationUrlFor(embedded.appUrl, { CONSOLE_DATABASE_MIGRATION_URL: owner }, embedded)).toBe(
      embedded.ownerUrl,
    );
  });

  it('without CONSOLE_DATABASE_MIGRATION_URL: the app URL, as before', () => {
    expect(migrationUrlFor(app, {})).toBe(app);
    expect(migrationUrlFor(app, { CONSOLE_DATABASE_MIGRATION_URL: '  ' })).toBe(app);
  });

  it('with CONSOLE_DATABASE_URL: the setting migrates that database only, not the datastore', () => {
    const env = { CONSOLE_DATABASE_URL: app, CONSOLE_DATABASE_MIGRATION_URL: owner };
    expect(migrationUrlFor(app, env)).toBe(owner);
    expect(migrationUrlFor('postgresql://nvsentinel_app@nv:5432/nvsentinel', env)).toBe(
      'postgresql://nvsentinel_app@nv:5432/nvsentinel',
    );
  });

  it("the console's schema in the datastore: the owner's URL gets the same search_path", () => {
    const inSchema = 'postgresql://console:a@db:5432/nvsentinel?options=-c+search_path%3Dsentinel_console';
    const migration = new URL(
      migrationUrlFor(inSchema, { CONSOLE_DATABASE_MIGRATION_URL: 'postgresql://console_owner:b@db:5432/nvsentinel' }),
    );
    expect(migration.username).toBe('console_owner');
    expect(migration.searchParams.get('options')).toBe('-c search_path=sentinel_console');
  });

  it('refuses a setting that is not a postgresql:// URL, naming it', () => {
    expect(() => migrationUrlFor(app, { CONSOLE_DATABASE_MIGRATION_URL: 'db:5432/console' })).toThrow(
      /CONSOLE_DATABASE_MIGRATION_URL must be a postgresql:\/\/ URL/,
    );
  });
});

describe('rewriteWarning', () => {
  it('is one line naming the power and the fix, or nothing', () => {
    expect(rewriteWarning(null)).toBeNull();
    const line = rewriteWarning('role console owns console_audit_log (it can disable or drop its triggers)')!;
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(
      /^warning: the console's database role console owns console_audit_log .* CONSOLE_DATABASE_MIGRATION_URL/,
    );
  });
});
