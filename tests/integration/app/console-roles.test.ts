// The console's database roles (issue 15, item 4): the app connects as a role that may only read
// and append to the audit log, migrations run as the tables' owner. Before, the app's role was the
// superuser that owned the tables, and could step past the append-only triggers; the first test
// shows that, the rest that the app role cannot, while the console's ordinary work still runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyAuditChain } from '@/lib/audit/audit-chain';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { appendAudit, listAudit } from '@/lib/audit/audit-log';
import { auditLogRewritePowers } from '@/lib/audit/audit-log-powers';
import { createConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { prepareSignIn } from '@/lib/auth/prepare-sign-in';
import { migrateConsoleDatabase, migrationUrlFor } from '@/lib/console-database/console-migrations';
import {
  ensureEmbeddedConsoleRoles,
  ROLES_FILE,
  type EmbeddedConsoleRoles,
} from '@/lib/console-database/embedded-console-roles';
import { EmbeddedDatabase } from '@/lib/embedded-database/embedded-database';
import { EmbeddedDatabaseError } from '@/lib/embedded-database/embedded-database-error';
import { ClusterSimulator } from '@/lib/simulator/cluster-simulator';
import { SIMULATOR_MARK } from '@/lib/simulator/event-generator';
import { openDataStore, type NewHealthEvent } from '@/lib/store';
import {
  prepareDatastore,
  setUpOwnDatabase,
  withSearchPath,
} from '@/lib/store/providers/postgres/schema/prepare-datastore';

import { applyNvsentinelSchemaState } from '../../fixtures/nvsentinel/schema-states';
import { dmlOnlyRole } from '../../support/dml-role';
import { freePort } from '../../support/free-port';
import {
  createTestDatabase,
  type TestDatabase,
  type TestServer,
  testServers,
  withClient,
} from '../../support/test-databases';

const migrationsDir = path.join(process.cwd(), 'prisma', 'migrations');

const entry = (requestId: string): AuditEntryInput => ({
  actor: 'ana',
  actorRole: 'operator',
  action: 'node.quarantine',
  target: 'gpu-node-0001',
  reason: 'fan failure',
  stateBefore: { state: 'healthy' },
  stateAfter: { state: 'healthy', quarantineRequested: true },
  outcome: 'ok',
  detail: 'gpu-node-0001 is quarantined.',
  requestId,
  clientAddress: '203.0.113.7',
});

const fatal = (nodeName: string): NewHealthEvent => ({
  nodeName,
  agent: 'syslog-health-monitor',
  checkName: 'SysLogsXIDError',
  isFatal: true,
  errorCode: ['79'],
  recommendedAction: 'RESTART_BM',
  processingStrategy: 'EXECUTE_REMEDIATION',
  entitiesImpacted: [{ entityType: 'GPU', entityValue: '3' }],
  metadata: { [SIMULATOR_MARK]: 'true' },
});

/** The SQLSTATE a statement fails with (it must fail). */
async function refusal(client: pg.ClientBase, sql: string): Promise<string> {
  const error = await client.query(sql).then(
    () => undefined,
    (e: unknown) => e as { code?: string },
  );
  expect(error, `${sql} must fail`).toBeDefined();
  return error!.code ?? 'none';
}

const auditRows = (client: pg.ClientBase) =>
  client.query('SELECT * FROM console_audit_log ORDER BY id').then((result) => result.rows);

/** Objects of schema public (tables, views, sequences, functions) not owned by `owner`, extensions' aside. */
async function ownedByOthers(client: pg.ClientBase, owner: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner <> $1::regrole
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
     UNION ALL
     SELECT p.proname FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> $1::regrole
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    [owner],
  );
  return rows.map((row) => row.name);
}

function uniqueNames() {
  const tag = randomBytes(4).toString('hex');
  return { owner: `owner_${tag}`, app: `app_${tag}` };
}

async function dropRoles(server: TestServer, names: string[]): Promise<void> {
  await withClient(server.adminUrl, async (client) => {
    for (const name of names) await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(name)}`);
  });
}

describe.each(testServers())('console database roles on $name', (server) => {
  let database: TestDatabase;
  let baseDir: string;
  let roles: EmbeddedConsoleRoles;
  const names = uniqueNames();
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-roles-'));
    // Data of an earlier version: the superuser made and owns every table, and wrote to the log.
    database = await createTestDatabase(server);
    await setUpOwnDatabase(database.url);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    for (let i = 0; i < 3; i += 1) await appendAudit(pool, entry(`before-${i}`));
    await pool.end();
  });

  afterAll(async () => {
    await database?.drop();
    await dropRoles(server, [names.owner, names.app]);
    await rm(baseDir, { recursive: true, force: true });
  });

  it('before the fix: the role the app used (the superuser owning the tables) deletes and rewrites audit rows past the triggers', async () => {
    const old = await createTestDatabase(server);
    try {
      await setUpOwnDatabase(old.url);
      const pool = new pg.Pool({ connectionString: old.url, max: 1 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await appendAudit(pool, entry(`old-${i}`)));
      await pool.end();
      await withClient(old.url, async (client) => {
        expect(await auditLogRewritePowers(client)).toMatch(
          /^role \S+ is a superuser \(it can step past the append-only triggers/,
        );
        expect(await refusal(client, `DELETE FROM console_audit_log WHERE id = ${ids[1]}`)).toBe('42501'); // the trigger
        await client.query('SET session_replication_role = replica');
        expect((await client.query(`DELETE FROM console_audit_log WHERE id = ${ids[1]}`)).rowCount).toBe(1);
        await client.query('RESET session_replication_role');
        await client.query('ALTER TABLE console_audit_log DISABLE TRIGGER ALL');
        expect(
          (await client.query(`UPDATE console_audit_log SET reason = 'nothing happened' WHERE id = ${ids[2]}`))
            .rowCount,
        ).toBe(1);
        await client.query('ALTER TABLE console_audit_log ENABLE TRIGGER ALL');
        expect((await client.query('SELECT count(*)::int AS n FROM console_audit_log')).rows[0].n).toBe(2);
      });
      const reader = new pg.Pool({ connectionString: old.url, max: 1 });
      const verdict = await verifyAuditChain(reader).finally(() => reader.end());
      expect(verdict).toMatchObject({ intact: false, appRoleCanRewrite: expect.stringMatching(/is a superuser/) });
    } finally {
      await old.drop();
    }
  });

  it('converts that database: the owner role owns every table, sequence and function; the app role is a plain login', async () => {
    const before = await withClient(database.url, async (client) =>
      ownedByOthers(client, (await client.query('SELECT current_user AS u')).rows[0].u),
    );
    expect(before).toEqual([]);
    roles = await ensureEmbeddedConsoleRoles(database.url, baseDir, { log, names });
    expect(lines.some((line) => line.startsWith(`database roles: ${names.owner} owns the console's tables`))).toBe(
      true,
    );
    expect(lines.some((line) => /^handed \d+ tables, sequences and functions to /.test(line))).toBe(true);

    await withClient(database.url, async (client) => {
      expect(await ownedByOthers(client, names.owner)).toEqual([]);
      const owners = await client.query(
        `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()`,
      );
      expect(owners.rows[0].owner).toBe(names.owner);
      const app = await client.query(
        `SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
                pg_has_role($1, $2, 'MEMBER') AS owner_member
           FROM pg_roles WHERE rolname = $1`,
        [names.app, names.owner],
      );
      expect(app.rows[0]).toEqual({
        rolcanlogin: true,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        owner_member: false,
      });
    });
    const file = path.join(baseDir, ROLES_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      owner: { user: names.owner },
      app: { user: names.app },
    });
  });

  it('as the app role: appends to and reads the audit log; UPDATE, DELETE, TRUNCATE, disabling triggers and replica mode are refused; the rows stay', async () => {
    const pool = new pg.Pool({ connectionString: roles.appUrl, max: 1 });
    try {
      const id = await appendAudit(pool, entry('as-app'));
      expect((await listAudit(pool, {})).map((row) => row.requestId)).toEqual([
        'as-app',
        'before-2',
        'before-1',
        'before-0',
      ]);
      const client = await pool.connect();
      try {
        expect(await auditLogRewritePowers(client)).toBeNull();
        const rows = await auditRows(client);
        const attempts = [
          `UPDATE console_audit_log SET reason = 'nothing happened' WHERE id = ${id}`,
          `DELETE FROM console_audit_log WHERE id = ${id}`,
          'TRUNCATE console_audit_log',
          'ALTER TABLE console_audit_log DISABLE TRIGGER ALL',
          'ALTER TABLE console_audit_log DISABLE TRIGGER console_audit_log_no_change',
          'DROP TRIGGER console_audit_log_no_change ON console_audit_log',
          'SET session_replication_role = replica',
          `SET ROLE ${names.owner}`,
          `CREATE OR REPLACE FUNCTION console_audit_log_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql`,
          `INSERT INTO console_audit_log (id, actor, action, outcome, request_id) VALUES (${id}, 'x', 'x', 'ok', 'x')
             ON CONFLICT (id) DO UPDATE SET reason = 'nothing happened'`,
          `SELECT setval('console_audit_log_id_seq', 1)`,
          'CREATE TEMPORARY TABLE console_audit_log (id BIGINT, chain_seq BIGINT, hash TEXT)',
        ];
        for (const sql of attempts) expect({ sql, code: await refusal(client, sql) }).toEqual({ sql, code: '42501' });
        expect(await auditRows(client)).toEqual(rows);
      } finally {
        client.release();
      }
      expect(await verifyAuditChain(pool)).toMatchObject({ intact: true, entries: 4, appRoleCanRewrite: null });
    } finally {
      await pool.end();
    }
  });

  it('as the app role, the console works: first admin and a session, a quarantine audit row, the simulated pipeline with its consumer positions', async () => {
    const env = {
      DATABASE_URL: roles.appUrl,
      CONSOLE_ADMIN_USERNAME: 'admin',
      CONSOLE_ADMIN_PASSWORD: `Pw-${randomBytes(8).toString('hex')}`,
    };
    await prepareSignIn(env, { migrationsDir, log: () => {} });
    const pool = new pg.Pool({ connectionString: roles.appUrl, max: 2 });
    try {
      const settings = authSettingsFromEnv(env);
      const auth = createConsoleAuth({ pool, secret: await consoleSecret(pool, settings.secret), settings });
      const signedIn = await auth.handler(
        new Request('http://localhost:3000/api/auth/sign-in/username', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
          body: JSON.stringify({ username: 'admin', password: env.CONSOLE_ADMIN_PASSWORD }),
        }),
      );
      expect(signedIn.status).toBe(200);
      expect((await pool.query('SELECT count(*)::int AS n FROM console_session')).rows[0].n).toBe(1);
      await appendAudit(pool, { ...entry('quarantine-as-app'), actor: 'admin', actorRole: 'admin' });
      expect((await listAudit(pool, {}))[0]).toMatchObject({
        action: 'node.quarantine',
        requestId: 'quarantine-as-app',
      });
    } finally {
      await pool.end();
    }

    const store = await openDataStore({ provider: 'postgresql', connectionString: roles.appUrl });
    const simulator = new ClusterSimulator(store, {
      seed: 1,
      nodes: 4,
      rate: 0,
      settings: { drainMs: 20, remediationMs: 20, drainFailureRate: 0, remediationFailureRate: 0 },
    });
    try {
      await simulator.start();
      const [event] = await store.healthEvents().insertMany([fatal('gpu-node-roles')]);
      await expect
        .poll(async () => (await store.healthEvents().get(event.recordId))!.status, { timeout: 20_000 })
        .toMatchObject({ nodeQuarantined: 'Quarantined', faultRemediated: true });
      await store.consumers().register('roles-test-consumer');
      expect(await store.consumers().names()).toContain('roles-test-consumer');
      await store.retainChangelog?.({ maxAgeMs: 24 * 3600_000 });
    } finally {
      await simulator.stop();
      await store.close();
    }
    await withClient(roles.appUrl, async (client) => {
      const positions = await client.query('SELECT count(*)::int AS n FROM console_consumers');
      expect(positions.rows[0].n).toBeGreaterThan(1);
    });
  });

  it('is idempotent: a second start keeps the passwords and narrows an app role someone widened by hand', async () => {
    const file = await readFile(path.join(baseDir, ROLES_FILE), 'utf8');
    await withClient(database.url, async (client) => {
      await client.query(`ALTER ROLE ${names.app} SUPERUSER`);
      await client.query(`GRANT ${names.owner} TO ${names.app}`);
      await client.query(`GRANT UPDATE, DELETE, TRUNCATE ON console_audit_log TO ${names.app}`);
    });
    await withClient(roles.appUrl, async (client) =>
      expect(await auditLogRewritePowers(client)).toMatch(/is a superuser/),
    );
    await withClient(database.url, (client) => client.query(`ALTER ROLE ${names.app} NOSUPERUSER`));
    await withClient(roles.appUrl, async (client) =>
      expect(await auditLogRewritePowers(client)).toMatch(
        new RegExp(`is a member of console_audit_log's owner ${names.owner}`),
      ),
    );

    lines.length = 0;
    const again = await ensureEmbeddedConsoleRoles(database.url, baseDir, { log });
    expect(again.appUrl).toBe(roles.appUrl);
    expect(again.ownerUrl).toBe(roles.ownerUrl);
    expect(await readFile(path.join(baseDir, ROLES_FILE), 'utf8')).toBe(file);
    expect(lines).toEqual([]);
    await withClient(roles.appUrl, async (client) => {
      expect(await auditLogRewritePowers(client)).toBeNull();
      expect(await refusal(client, `DELETE FROM console_audit_log`)).toBe('42501');
    });
  });

  it("migrates as the owner; a table a later migration adds is the owner's, and the app may use it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'console-roles-migrations-'));
    try {
      await cp(migrationsDir, dir, { recursive: true });
      await mkdir(path.join(dir, '29990101000000_console_later'));
      await writeFile(
        path.join(dir, '29990101000000_console_later', 'migration.sql'),
        'CREATE TABLE console_later (id BIGSERIAL PRIMARY KEY, note TEXT);\n',
      );
      lines.length = 0;
      expect(await migrateConsoleDatabase(roles.appUrl, { env: {}, embedded: roles, dir, log })).toBeNull();
      expect(lines).toEqual(['applied migration 29990101000000_console_later']);
      await withClient(roles.appUrl, async (client) => {
        await client.query(`INSERT INTO console_later (note) VALUES ('kept')`);
        expect(
          (
            await client.query(
              `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'console_later'`,
            )
          ).rows[0].owner,
        ).toBe(names.owner);
        expect(await refusal(client, 'DROP TABLE console_later')).toBe('42501');
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each(testServers())('a console database the operator gives, on $name', (server) => {
  let database: TestDatabase;
  const names = uniqueNames();
  let ownerUrl: string;
  let appUrl: string;
  const extraRoles: string[] = [];

  beforeAll(async () => {
    // What a DBA does (README, "What the console needs from a DBA"): an owner for migrations, an
    // app role that only logs in; the console's tables are made and granted at start.
    database = await createTestDatabase(server);
    const password = randomBytes(12).toString('hex');
    await withClient(database.url, async (client) => {
      await client.query(`CREATE ROLE ${names.owner} LOGIN PASSWORD '${password}'`);
      await client.query(`CREATE ROLE ${names.app} LOGIN PASSWORD '${password}'`);
      await client.query(`ALTER DATABASE ${database.name} OWNER TO ${names.owner}`);
      await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    });
    const as = (user: string) => {
      const url = new URL(database.url);
      url.username = user;
      url.password = password;
      return url.toString();
    };
    ownerUrl = as(names.owner);
    appUrl = as(names.app);
  });

  afterAll(async () => {
    await database?.drop();
    await dropRoles(server, [names.owner, names.app, ...extraRoles]);
  });

  it('CONSOLE_DATABASE_MIGRATION_URL: migrations as the owner, the app role granted, no warning; the app role cannot rewrite the log', async () => {
    const env = { CONSOLE_DATABASE_URL: appUrl, CONSOLE_DATABASE_MIGRATION_URL: ownerUrl };
    expect(migrationUrlFor(appUrl, env)).toBe(ownerUrl);
    const lines: string[] = [];
    expect(
      await migrateConsoleDatabase(appUrl, { env, dir: migrationsDir, log: (line) => lines.push(line) }),
    ).toBeNull();
    expect(lines.filter((line) => line.startsWith('warning'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('applied migration')).length).toBeGreaterThan(0);
    // prepareSignIn applies migrations with CONSOLE_DATABASE_URL (the app's): up to date, it creates nothing.
    await prepareSignIn(
      { ...env, CONSOLE_ADMIN_PASSWORD: `Pw-${randomBytes(8).toString('hex')}` },
      { migrationsDir, log: () => {} },
    );
    const pool = new pg.Pool({ connectionString: appUrl, max: 1 });
    try {
      await appendAudit(pool, entry('operator-app'));
      const client = await pool.connect();
      try {
        for (const sql of [
          'DELETE FROM console_audit_log',
          'TRUNCATE console_audit_log',
          'ALTER TABLE console_audit_log DISABLE TRIGGER ALL',
          'SET session_replication_role = replica',
        ]) {
          expect({ sql, code: await refusal(client, sql) }).toEqual({ sql, code: '42501' });
        }
        expect((await client.query('SELECT count(*)::int AS n FROM console_audit_log')).rows[0].n).toBe(1);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('without it, one warning line names what lets the app role rewrite the log, and start goes on', async () => {
    const cases: [string, RegExp][] = [
      [
        ownerUrl,
        new RegExp(
          `^warning: the console's database role ${names.owner} owns console_audit_log \\(it can disable or drop its triggers\\)`,
        ),
      ],
      [
        database.url,
        /^warning: the console's database role \S+ is a superuser \(it can step past the append-only triggers/,
      ],
    ];
    const dml = await dmlOnlyRole(database.url);
    extraRoles.push(decodeURIComponent(new URL(dml).username));
    cases.push([
      dml,
      /^warning: the console's database role dml_\w+ holds UPDATE, DELETE on console_audit_log \(only the triggers stand in the way\)/,
    ]);
    for (const [url, expected] of cases) {
      const lines: string[] = [];
      const powers = await migrateConsoleDatabase(url, {
        env: { CONSOLE_DATABASE_URL: url },
        dir: migrationsDir,
        log: (line) => lines.push(line),
      });
      expect(powers).not.toBeNull();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(expected);
      expect(lines[0]).toMatch(/set CONSOLE_DATABASE_MIGRATION_URL to the tables' owner/);
    }
  });
});

describe.each(testServers())("an installation whose app role owns the console's tables, on $name", (server) => {
  let database: TestDatabase;
  const names = uniqueNames();
  const password = randomBytes(12).toString('hex');
  const as = (user: string) => {
    const url = new URL(database.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };

  beforeAll(async () => {
    // The earlier advice: one role, owning the console's database.
    database = await createTestDatabase(server);
    await withClient(database.url, async (client) => {
      await client.query(`CREATE ROLE ${names.app} LOGIN PASSWORD '${password}'`);
      await client.query(`CREATE ROLE ${names.owner} LOGIN PASSWORD '${password}'`);
      await client.query(`ALTER DATABASE ${database.name} OWNER TO ${names.app}`);
    });
  });

  afterAll(async () => {
    await database?.drop();
    await dropRoles(server, [names.owner, names.app]);
  });

  it("warns until a DBA moves the tables to the owner (README's REASSIGN OWNED) and sets CONSOLE_DATABASE_MIGRATION_URL; then the app role cannot rewrite the log", async () => {
    const appUrl = as(names.app);
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    expect(
      await migrateConsoleDatabase(appUrl, { env: { CONSOLE_DATABASE_URL: appUrl }, dir: migrationsDir, log }),
    ).toMatch(/owns console_audit_log/);
    await withClient(appUrl, (client) =>
      client.query(
        `INSERT INTO console_audit_log (actor, action, outcome, request_id) VALUES ('ana', 'node.quarantine', 'ok', 'kept')`,
      ),
    );

    await withClient(database.url, (client) => client.query(`REASSIGN OWNED BY ${names.app} TO ${names.owner}`));
    lines.length = 0;
    const env = { CONSOLE_DATABASE_URL: appUrl, CONSOLE_DATABASE_MIGRATION_URL: as(names.owner) };
    expect(await migrateConsoleDatabase(appUrl, { env, dir: migrationsDir, log })).toBeNull();
    expect(lines).toEqual([]);
    await withClient(appUrl, async (client) => {
      expect(await refusal(client, 'DELETE FROM console_audit_log')).toBe('42501');
      expect(await refusal(client, 'ALTER TABLE console_audit_log DISABLE TRIGGER ALL')).toBe('42501');
      expect((await client.query('SELECT request_id FROM console_audit_log')).rows).toEqual([{ request_id: 'kept' }]);
      await client.query(
        `INSERT INTO console_audit_log (actor, action, outcome, request_id) VALUES ('ana', 'node.release', 'ok', 'after')`,
      );
    });
  });
});

describe.each(testServers())("the console's schema in NVSentinel's database, on $name", (server) => {
  let database: TestDatabase;
  const names = uniqueNames();
  const password = randomBytes(12).toString('hex');
  const as = (user: string) => {
    const url = new URL(database.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };

  beforeAll(async () => {
    database = await createTestDatabase(server);
    await withClient(database.url, async (client) => {
      await applyNvsentinelSchemaState(client, 3);
      // The DBA's SQL of README, "What the console needs from a DBA", with this run's role names.
      const sql = `
        CREATE ROLE app LOGIN PASSWORD '${password}';
        GRANT CONNECT ON DATABASE ${database.name} TO app;
        GRANT USAGE ON SCHEMA public TO app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app;
        CREATE ROLE owner LOGIN PASSWORD '${password}';
        CREATE SCHEMA sentinel_console AUTHORIZATION owner;
        GRANT USAGE ON SCHEMA sentinel_console TO app;
        GRANT SELECT ON nvsentinel_schema_migrations TO owner;`;
      await client.query(sql.replace(/\bapp\b/g, names.app).replace(/\bowner\b/g, names.owner));
    });
  });

  afterAll(async () => {
    await database?.drop();
    await dropRoles(server, [names.owner, names.app]);
  });

  it("start finds the schema through the owner, migrates there as the owner, and the app role may only append to the log; NVSentinel's schema is untouched", async () => {
    const appUrl = as(names.app);
    const env = { DATABASE_URL: appUrl, CONSOLE_DATABASE_MIGRATION_URL: as(names.owner) };
    const publicObjects = () =>
      withClient(
        database.url,
        async (client) =>
          (await client.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`))
            .rows[0].n,
      );
    const before = await publicObjects();
    // As scripts/start.ts does with DATABASE_URL and no CONSOLE_DATABASE_URL.
    const prepared = await prepareDatastore(migrationUrlFor(appUrl, env));
    expect(prepared).toMatchObject({ consoleOwned: false, consoleSchema: 'sentinel_console' });
    const consoleUrl = withSearchPath(appUrl, 'sentinel_console');
    const lines: string[] = [];
    expect(
      await migrateConsoleDatabase(consoleUrl, { env, dir: migrationsDir, log: (line) => lines.push(line) }),
    ).toBeNull();
    expect(lines.filter((line) => line.startsWith('warning'))).toEqual([]);
    expect(await publicObjects()).toBe(before);
    await withClient(consoleUrl, async (client) => {
      await client.query(
        `INSERT INTO console_audit_log (actor, action, outcome, request_id) VALUES ('ana', 'node.quarantine', 'ok', 'in-schema')`,
      );
      expect(await refusal(client, 'DELETE FROM console_audit_log')).toBe('42501');
      expect(await refusal(client, 'ALTER TABLE console_audit_log DISABLE TRIGGER ALL')).toBe('42501');
      const found = await client.query(
        `SELECT relnamespace::regnamespace::text AS schema FROM pg_class WHERE oid = to_regclass('console_audit_log')`,
      );
      expect(found.rows[0].schema).toBe('sentinel_console');
    });
  });
});

describe("npm start's steps on a fresh embedded PostgreSQL", () => {
  let baseDir: string;
  let embedded: EmbeddedDatabase;

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-roles-embedded-'));
    embedded = new EmbeddedDatabase({ baseDir, port: await freePort(), settings: { fsync: 'off' } });
    await embedded.start();
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(baseDir, { recursive: true, force: true });
  });

  it('a roles file that is not one stops the start in one line, naming the file and the fix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'console-roles-bad-'));
    try {
      await writeFile(path.join(dir, ROLES_FILE), '{"owner": {}}');
      const error = await ensureEmbeddedConsoleRoles(embedded.url, dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EmbeddedDatabaseError);
      expect((error as Error).message).toBe(
        `${path.join(dir, ROLES_FILE)} is not the console's roles file (owner and app, user and password); remove it and start again to make new passwords`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the owner creates NVSentinel's schema and the console's tables; the app gets only its URL; the superuser's credentials stay", async () => {
    const credentials = await readFile(path.join(baseDir, 'credentials.json'), 'utf8');
    // As scripts/start.ts does: roles at start, the schema and migrations as the owner, the app's URL to the app.
    const roles = await ensureEmbeddedConsoleRoles(embedded.url, baseDir);
    const appUrl = roles.appUrl;
    expect(new URL(appUrl).username).toBe('sentinel_console');
    expect(new URL(migrationUrlFor(appUrl, {}, roles)).username).toBe('sentinel_console_owner');
    const prepared = await prepareDatastore(migrationUrlFor(appUrl, {}, roles));
    expect(prepared.consoleOwned).toBe(true);
    expect(
      await migrateConsoleDatabase(appUrl, { env: {}, embedded: roles, dir: migrationsDir, log: () => {} }),
    ).toBeNull();
    await withClient(embedded.url, async (client) =>
      expect(await ownedByOthers(client, 'sentinel_console_owner')).toEqual([]),
    );

    const store = await openDataStore({ provider: 'postgresql', connectionString: appUrl });
    try {
      const [event] = await store.healthEvents().insertMany([fatal('gpu-node-embedded')]);
      expect(await store.healthEvents().get(event.recordId)).toBeDefined();
    } finally {
      await store.close();
    }
    await withClient(appUrl, async (client) => {
      expect(await refusal(client, 'SET session_replication_role = replica')).toBe('42501');
      expect(await refusal(client, 'ALTER TABLE console_audit_log DISABLE TRIGGER ALL')).toBe('42501');
    });
    expect(await readFile(path.join(baseDir, 'credentials.json'), 'utf8')).toBe(credentials);
  });
});

/** scripts/start.ts on its embedded database, stopped by a dashboard port in use (so nothing is built or served). */
async function startUntilPortCheck(dataDir: string, pgPort: number): Promise<{ code: number | null; output: string }> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'CONSOLE_DATABASE_URL',
    'CONSOLE_DATABASE_MIGRATION_URL',
    'DATASTORE_PROVIDER',
    'MONGODB_URI',
    'DATASTORE_HOST',
  ])
    delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: process.cwd(),
    env: {
      ...env,
      EMBEDDED_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: String((blocker.address() as net.AddressInfo).port),
    },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  blocker.close();
  return { code, output };
}

describe('npm start on the embedded database of an earlier version', () => {
  let baseDir: string;

  beforeAll(async () => {
    baseDir = await mkdtemp(path.join(os.tmpdir(), 'console-roles-start-'));
  });

  afterAll(async () => {
    await rm(baseDir, { recursive: true, force: true });
  });

  it("hands the superuser's tables to the owner once, makes both roles, and a second start changes nothing", async () => {
    const pgPort = await freePort();
    // An earlier version's data: the superuser made and owns everything, and wrote to the audit log.
    const earlier = new EmbeddedDatabase({ baseDir, port: pgPort, settings: { fsync: 'off' } });
    await earlier.start();
    try {
      await setUpOwnDatabase(earlier.url);
      await withClient(earlier.url, (client) =>
        client.query(
          `INSERT INTO console_audit_log (actor, action, outcome, request_id) VALUES ('ana', 'node.quarantine', 'ok', 'earlier-version')`,
        ),
      );
    } finally {
      await earlier.stop();
    }
    const credentials = await readFile(path.join(baseDir, 'credentials.json'), 'utf8');

    const first = await startUntilPortCheck(baseDir, pgPort);
    expect(first.code).toBe(1);
    expect(first.output).toMatch(/\[start\] error: port \d+ is already in use/);
    expect(first.output).toContain(
      "[start] database roles: sentinel_console_owner owns the console's tables and runs migrations; the app connects as sentinel_console",
    );
    expect(first.output).toMatch(/\[start\] handed \d+ tables, sequences and functions to sentinel_console_owner/);
    expect(first.output).not.toContain('[start] warning');
    const second = await startUntilPortCheck(baseDir, pgPort);
    expect(second.code).toBe(1);
    expect(second.output).not.toContain('database roles:');
    expect(second.output).not.toContain('handed');
    expect(second.output).not.toContain('[start] warning');
    expect(await readFile(path.join(baseDir, 'credentials.json'), 'utf8')).toBe(credentials);
    expect((await stat(path.join(baseDir, ROLES_FILE))).mode & 0o777).toBe(0o600);

    const server = new EmbeddedDatabase({ baseDir, port: pgPort, settings: { fsync: 'off' } });
    await server.start();
    try {
      const roles = JSON.parse(await readFile(path.join(baseDir, ROLES_FILE), 'utf8')) as {
        app: { user: string; password: string };
      };
      const appUrl = new URL(server.url);
      appUrl.username = roles.app.user;
      appUrl.password = roles.app.password;
      await withClient(server.url, async (client) =>
        expect(await ownedByOthers(client, 'sentinel_console_owner')).toEqual([]),
      );
      await withClient(appUrl.toString(), async (client) => {
        expect(await auditLogRewritePowers(client)).toBeNull();
        expect(
          (await client.query(`SELECT request_id FROM console_audit_log ORDER BY id`)).rows.map(
            (row) => row.request_id,
          ),
        ).toContain('earlier-version');
        expect(await refusal(client, 'SET session_replication_role = replica')).toBe('42501');
      });
    } finally {
      await server.stop();
    }
  }, 180_000);
});
