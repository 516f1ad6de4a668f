// Turns the errors `pg` raises while connecting into one line that names the server and says
// what to do. Raw driver messages ("connect ECONNREFUSED 127.0.0.1:5432") leave a person guessing
// which setting is wrong.
import { StoreError } from '../../errors/store-error';

export function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const database = url.pathname.replace(/^\//, '') || '(default database)';
    return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
  } catch {
    return '(unparseable connection string)';
  }
}

export function connectionError(error: unknown, connectionString: string): StoreError {
  const target = describeTarget(connectionString);
  const cause = error as { code?: string; message?: string };
  const message = cause?.message ?? String(error);
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return new StoreError(
        'unreachable',
        `cannot reach PostgreSQL at ${target}: connection refused (is the server running, and are host and port right?)`,
        { cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StoreError('unreachable', `cannot reach PostgreSQL at ${target}: the host name does not resolve`, {
        cause: error,
      });
    case 'ETIMEDOUT':
      return new StoreError('unreachable', `cannot reach PostgreSQL at ${target}: connection timed out`, {
        cause: error,
      });
    case '28P01':
    case '28000':
      return new StoreError('auth', `PostgreSQL at ${target} refused the credentials: ${message}`, { cause: error });
    case '3D000':
      return new StoreError(
        'no-database',
        `PostgreSQL at ${target} has no such database (create it first, e.g. \`createdb ${target.split('/').pop()}\`)`,
        { cause: error },
      );
    default:
      if (/timeout/i.test(message)) {
        return new StoreError('unreachable', `cannot reach PostgreSQL at ${target}: ${message}`, { cause: error });
      }
      return new StoreError('connect', `cannot connect to PostgreSQL at ${target}: ${message}`, { cause: error });
  }
}

/** Validates a PostgreSQL URL before any connection is tried. */
export function parsePostgresUrl(connectionString: string, source = 'DATABASE_URL'): URL {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new StoreError(
      'config',
      `${source} is not a valid URL; expected postgresql://user:password@host:5432/database`,
    );
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new StoreError(
      'config',
      `${source} must be a postgresql:// URL, e.g. postgresql://user:password@host:5432/nvsentinel (it starts with "${url.protocol}")`,
    );
  }
  if (!url.hostname)
    throw new StoreError('config', `${source} names no host; expected postgresql://user:password@host:5432/database`);
  if (url.port && !(Number(url.port) > 0 && Number(url.port) < 65536)) {
    throw new StoreError('config', `${source} has an invalid port "${url.port}"`);
  }
  return url;
}
