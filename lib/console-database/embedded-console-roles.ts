// The two roles `npm start` gives the embedded PostgreSQL, so the app no longer connects as the
// superuser that could step past the audit log's append-only triggers:
//   - the owner: owns the database, its tables and functions, and runs the migrations (and creates
//     NVSentinel's schema in the empty database); nobody connects as it while the app runs;
//   - the app: the dashboard and the simulator; rows only (console-app-grants.ts), and of the audit
//     log only SELECT and INSERT. Not a superuser, not the owner, not a member of it.
// Made again on every start (idempotent): attributes and memberships are reset, so a role someone
// widened by hand is narrowed again. Passwords are generated once and kept in the embedded data
// folder beside the superuser's credentials.json, which stays as it is (tests write as NVSentinel
// would with it).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import pg from 'pg';

import { EmbeddedDatabaseError } from '../embedded-database/embedded-database-error';
import { grantConsoleAppRole } from './console-app-grants';

export const ROLES_FILE = 'console-roles.json';

/** The role names a new data folder gets (an existing one keeps those in its roles file). */
export const DEFAULT_ROLE_NAMES = { owner: 'sentinel_console_owner', app: 'sentinel_console' };

interface RoleCredentials {
  user: string;
  password: string;
}

interface RolesFile {
  owner: RoleCredentials;
  app: RoleCredentials;
}

/** Attributes both roles are held to: they log in and can do nothing server-wide. */
const PLAIN_LOGIN = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';

export interface EmbeddedConsoleRoles {
  /** The owner's URL: schema work and migrations. */
  ownerUrl: string;
  /** The app's URL: the dashboard and the simulator. */
  appUrl: string;
  /** Grants the app role its rights on every table there is now (after migrations). */
  grantAppRole(): Promise<void>;
}

async function loadOrCreateRoles(baseDir: string, names: { owner: string; app: string }): Promise<RolesFile> {
  const file = path.join(baseDir, ROLES_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) {
    try {
      const roles = JSON.parse(existing) as RolesFile;
      if (roles.owner?.user && roles.owner.password && roles.app?.user && roles.app.password) return roles;
    } catch {
      // Named below.
    }
    throw new EmbeddedDatabaseError(
      `${file} is not the console's roles file (owner and app, user and password); remove it and start again to make new passwords`,
    );
  }
  const password = () => randomBytes(18).toString('base64url');
  const roles = { owner: { user: names.owner, password: password() }, app: { user: names.app, password: password() } };
  await writeFile(file, JSON.stringify(roles), { mode: 0o600 });
  return roles;
}

function urlAs(superuserUrl: string, credentials: RoleCredentials): string {
  const url = new URL(superuserUrl);
  url.username = credentials.user;
  url.password = credentials.password;
  return url.toString();
}

async function asSuperuser<T>(superuserUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: superuserUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the role when it is missing (true then), and holds it to PLAIN_LOGIN, its password and no memberships. */
async function ensureRole(client: pg.Client, credentials: RoleCredentials): Promise<boolean> {
  const role = client.escapeIdentifier(credentials.user);
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credentials.user]);
  if (found.rowCount === 0) await client.query(`CREATE ROLE ${role}`);
  await client.query(`ALTER ROLE ${role} WITH ${PLAIN_LOGIN} PASSWORD ${client.escapeLiteral(credentials.password)}`);
  // Whatever it was made a member of (the owner above all) goes; the app gets back only what it needs.
  // From PostgreSQL 16 each grant is its grantor's, and a REVOKE takes back only the named one's.
  const memberOf = await client.query<{ name: string; grantor: string; by_grantor: boolean }>(
    `SELECT m.roleid::regrole::text AS name, m.grantor::regrole::text AS grantor,
            current_setting('server_version_num')::int >= 160000 AS by_grantor
       FROM pg_auth_members m WHERE m.member = $1::regrole`,
    [credentials.user],
  );
  for (const { name, grantor, by_grantor } of memberOf.rows) {
    await client.query(`REVOKE ${name} FROM ${role}${by_grantor ? ` GRANTED BY ${grantor}` : ''}`);
  }
  return found.rowCount === 0;
}

/**
 * Hands every table, view, sequence and function of schema public that another role owns (the
 * superuser, in data from before these roles) to the owner. Objects of extensions stay with theirs.
 * Tables first: their sequences follow them, and a sequence linked to a table cannot move alone.
 */
async function transferOwnership(client: pg.Client, owner: string): Promise<number> {
  const target = client.escapeIdentifier(owner);
  const notInExtension = (catalog: string, alias: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${alias}.oid AND d.deptype = 'e')`;
  const relations = async (kinds: string[]) =>
    (
      await client.query<{ name: string; kind: string }>(
        `SELECT c.oid::regclass::text AS name, c.relkind AS kind FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = ANY($1::"char"[]) AND c.relowner <> $2::regrole
        AND ${notInExtension('pg_class', 'c')}`,
        [kinds, owner],
      )
    ).rows;
  const keyword: Record<string, string> = {
    r: 'TABLE',
    p: 'TABLE',
    f: 'FOREIGN TABLE',
    v: 'VIEW',
    m: 'MATERIALIZED VIEW',
    S: 'SEQUENCE',
  };
  let moved = 0;
  for (const kinds of [['r', 'p', 'f', 'v', 'm'], ['S']]) {
    for (const { name, kind } of await relations(kinds)) {
      await client.query(`ALTER ${keyword[kind]} ${name} OWNER TO ${target}`);
      moved += 1;
    }
  }
  const functions = await client.query<{ name: string; kind: string }>(
    `SELECT p.oid::regprocedure::text AS name, p.prokind AS kind FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> $1::regrole AND ${notInExtension('pg_proc', 'p')}`,
    [owner],
  );
  const routine: Record<string, string> = { f: 'FUNCTION', w: 'FUNCTION', p: 'PROCEDURE', a: 'AGGREGATE' };
  for (const { name, kind } of functions.rows) {
    await client.query(`ALTER ${routine[kind] ?? 'ROUTINE'} ${name} OWNER TO ${target}`);
    moved += 1;
  }
  return moved;
}

/**
 * Creates (or re-asserts) the owner and app roles on the embedded server `superuserUrl` names, makes
 * the owner the owner of that database and of what is in it, and gives the app its rights.
 * `names` applies only to a data folder without a roles file (tests pick unique ones).
 */
export async function ensureEmbeddedConsoleRoles(
  superuserUrl: string,
  baseDir: string,
  options: { log?: (line: string) => void; names?: { owner: string; app: string } } = {},
): Promise<EmbeddedConsoleRoles> {
  const log = options.log ?? (() => {});
  const roles = await loadOrCreateRoles(baseDir, options.names ?? DEFAULT_ROLE_NAMES);
  const grantAppRole = () => asSuperuser(superuserUrl, (client) => grantConsoleAppRole(client, roles.app.user));
  await asSuperuser(superuserUrl, async (client) => {
    const createdOwner = await ensureRole(client, roles.owner);
    const createdApp = await ensureRole(client, roles.app);
    // Reading pg_stat_activity of every session (the feed's horizon hold-back) and nothing else.
    await client.query(`GRANT pg_read_all_stats TO ${client.escapeIdentifier(roles.app.user)}`);
    const database = (await client.query<{ name: string }>('SELECT current_database() AS name')).rows[0].name;
    const owner = client.escapeIdentifier(roles.owner.user);
    // Owning the database lets the owner create NVSentinel's schema (its trusted uuid-ossp extension
    // included) and the console's tables; the app keeps only CONNECT, which every role has.
    await client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} OWNER TO ${owner}`);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner}`);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    // A temporary table named console_audit_log would come first in the app's search_path, and the
    // chain trigger (running as the app) would read the last entry from it. Nothing here needs one.
    await client.query(`REVOKE TEMPORARY ON DATABASE ${client.escapeIdentifier(database)} FROM PUBLIC`);
    const moved = await transferOwnership(client, roles.owner.user);
    if (createdOwner || createdApp)
      log(
        `database roles: ${roles.owner.user} owns the console's tables and runs migrations; the app connects as ${roles.app.user}, which may only read and append to the audit log`,
      );
    if (moved > 0)
      log(
        `handed ${moved} tables, sequences and functions to ${roles.owner.user} (the app no longer connects as their owner)`,
      );
  });
  await grantAppRole();
  return { ownerUrl: urlAs(superuserUrl, roles.owner), appUrl: urlAs(superuserUrl, roles.app), grantAppRole };
}
