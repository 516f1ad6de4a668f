/**
 * A start-up problem of the embedded database, phrased as one line that says what is wrong and
 * what to do. The launcher prints only the message (no stack) and exits non-zero.
 */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}
