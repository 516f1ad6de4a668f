// Turns what the MongoDB driver throws into one line that names the server and says what to do,
// and sorts change-stream failures into: the position is gone (never skip silently), the server
// is away for a while (reconnect with backoff), or something a retry will not fix.
import { StoreError } from '../../errors/store-error';

interface DriverError {
  name?: string;
  code?: number | string;
  codeName?: string;
  message?: string;
  errorLabels?: string[];
  errorLabelSet?: Set<string>;
  cause?: unknown;
  reason?: { error?: unknown };
}

/** Hosts and database of a connection string, without credentials. */
export function describeTarget(uri: string, databaseName?: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)(?:\/([^?]*))?/.exec(uri);
  if (!match) return '(unparseable MONGODB_URI)';
  return `${match[1] || 'localhost'}/${databaseName ?? (match[2] || 'test')}`;
}

/** Codes of a position that is gone: oplog rolled past it, or a token the server cannot use. */
export const POSITION_LOST_CODES: Record<number, string> = {
  286: 'ChangeStreamHistoryLost: the oplog no longer holds the stored position',
  280: 'ChangeStreamFatalError: the stored resume token was not found in the oplog',
  136: 'CappedPositionLost: the oplog rolled over while the change stream read it',
  260: 'InvalidResumeToken: the stored resume token cannot be used',
};

const TRANSIENT_CODES = new Set([
  6, 7, 43, 63, 89, 91, 133, 150, 189, 234, 262, 9001, 10107, 11600, 11602, 13388, 13435, 13436,
]);
const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoServerClosedError',
  'MongoPoolClearedError',
]);

function labels(error: DriverError): string[] {
  return [...(error.errorLabels ?? []), ...(error.errorLabelSet ? [...error.errorLabelSet] : [])];
}

export type ChangeStreamFailure = { kind: 'position-lost'; reason: string } | { kind: 'transient' } | { kind: 'fatal' };

export function classifyChangeStreamError(error: unknown): ChangeStreamFailure {
  const e = (error ?? {}) as DriverError;
  const code = typeof e.code === 'number' ? e.code : Number.NaN;
  if (POSITION_LOST_CODES[code]) return { kind: 'position-lost', reason: POSITION_LOST_CODES[code] };
  if (code === 9 && /resume ?token/i.test(e.message ?? ''))
    return { kind: 'position-lost', reason: 'FailedToParse: the stored resume token cannot be parsed' };
  if (isTransient(error)) return { kind: 'transient' };
  return { kind: 'fatal' };
}

export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as DriverError;
  if (TRANSIENT_NAMES.has(e.name ?? '')) return true;
  if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  return labels(e).some(
    (label) =>
      label === 'ResumableChangeStreamError' ||
      label === 'RetryableWriteError' ||
      label === 'TransientTransactionError',
  );
}

function rootMessage(error: DriverError): string {
  const reason = error.reason?.error ?? error.cause;
  const inner = reason && typeof reason === 'object' && 'message' in reason ? String((reason as Error).message) : '';
  return inner || error.message || String(error);
}

/** A StoreError for driver errors a person can act on; other errors are returned unchanged. */
export function translateMongoError(error: unknown, target: string, operation = 'run this operation'): unknown {
  if (error instanceof StoreError) return error;
  const e = (error ?? {}) as DriverError;
  const message = rootMessage(e);
  if (
    e.code === 18 ||
    e.name === 'MongoMissingCredentialsError' ||
    /Authentication failed|auth(entication)? mechanism/i.test(message)
  ) {
    return new StoreError('auth', `MongoDB at ${target} refused the credentials: ${message}`, { cause: error });
  }
  if (e.code === 13 || e.codeName === 'Unauthorized') {
    return new StoreError(
      'auth',
      `the MongoDB user may not ${operation} on ${target} (${message}); a read-only user can read everything but cannot write`,
      { cause: error },
    );
  }
  if (
    e.name === 'MongoParseError' ||
    (e.name === 'MongoInvalidArgumentError' && /URI|connection string|scheme/i.test(message))
  ) {
    return new StoreError('config', `MONGODB_URI is not a valid MongoDB connection string: ${message}`, {
      cause: error,
    });
  }
  if (e.name === 'MongoTopologyClosedError' || e.name === 'MongoClientClosedError') {
    return new StoreError('closed', 'the datastore is closed; open a new one with openDataStore()', { cause: error });
  }
  if (/certificate|SSL|TLS|self.signed|handshake/i.test(message) && TRANSIENT_NAMES.has(e.name ?? '')) {
    return new StoreError(
      'connect',
      `TLS to MongoDB at ${target} failed: ${message} (check MONGODB_CLIENT_CERT_MOUNT_PATH's ca.crt and the server's certificate)`,
      { cause: error },
    );
  }
  if (TRANSIENT_NAMES.has(e.name ?? '')) {
    const why = /ECONNREFUSED/.test(message)
      ? 'connection refused (is the server running, and are host and port right?)'
      : /ENOTFOUND|EAI_AGAIN/.test(message)
        ? 'the host name does not resolve'
        : message;
    return new StoreError('unreachable', `cannot reach MongoDB at ${target}: ${why}`, { cause: error });
  }
  return error;
}
