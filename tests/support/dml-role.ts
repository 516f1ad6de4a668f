// A role with DML rights only, as NVSentinel's applications (and the console on NVSentinel's
// database) run. No vitest import: the browser tests use it too.
import { randomBytes } from 'node:crypto';

import pg from 'pg';

/**
 * A role that may only read and write rows of `databaseUrl`'s tables (NVSentinel's and the
 * console's), as NVSentinel's own applications run: its URL. Roles are cluster-wide and outlive the
 * database: use it on a server the run starts (the embedded one), or drop it (dropRole) afterwards.
 */
export async function dmlOnlyRole(databaseUrl: string): Promise<string> {
  const name = `dml_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const database = (await client.query('SELECT current_database() AS name')).rows[0].name;
    await client.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${name}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${name}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${name}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = password;
  return url.toString();
}

/** Drops the role of a URL dmlOnlyRole made, on the server `adminUrl` names. */
export async function dropRole(adminUrl: string, roleUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP ROLE IF EXISTS ${decodeURIComponent(new URL(roleUrl).username)}`);
  } finally {
    await client.end();
  }
}
