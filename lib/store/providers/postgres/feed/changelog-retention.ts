// Removes changelog rows every consumer has passed. Rows older than maxAge go even if a consumer
// has not read them; such a consumer is marked "position lost" first, so its next feed reports
// the gap instead of silently skipping it.
import type { ChangelogRetentionResult } from '../../../datastore';
import { StoreError } from '../../../errors/store-error';
import type { PostgresConnection } from '../postgres-connection';
import { aboveArrays, COMMIT_ORDER, comparePositions, passedAbove, type FeedState } from './feed-position';
import type { PostgresConsumerRegistry } from './postgres-consumer-registry';


export async function retainChangelog(
  connection: PostgresConnection,
  registry: PostgresConsumerRegistry,
  options: { maxAgeMs: number },
): Promise<ChangelogRetentionResult> {
  if (!Number.isFinite(options.maxAgeMs) || options.maxAgeMs < 0) throw new StoreError('invalid', 'maxAgeMs: must be a duration in milliseconds, 0 or more');
  const states = new Map<string, FeedState>();
  for (const name of await registry.names()) {
    // A consumer already lost, or known only by its health row, has no position to keep. Any other
    // failure to read a position stops retention: it must not remove rows someone has not read.
    const stored = await registry.loadPosition(name).catch((error: unknown) => {
      if (error instanceof StoreError && ['position-lost', 'unknown-consumer'].includes(error.code)) return undefined;
      throw error;
    });
    if (stored) states.set(name, stored.state);
  }
  // Rows are removed up to the slowest base: rows a consumer passed above it (ahead of an open
  // transaction) stay until its base passes them too.
  const positions = new Map([...states].map(([name, state]) => [name, state.base]));
  const cutoff = new Date(Date.now() - options.maxAgeMs);
  // Newest row older than the cutoff: everything up to it goes whatever the consumers say.
  const aged = await connection.query<{ txid: string; id: string }>(
    'retention.aged',
    `SELECT ${COMMIT_ORDER}::text AS txid, id::text AS id FROM datastore_changelog
     WHERE changed_at < $1 AND ${COMMIT_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY ${COMMIT_ORDER} DESC, datastore_changelog.id DESC LIMIT 1`,
    [cutoff],
  );
  const agedThrough = aged.rows[0] ? { txid: BigInt(aged.rows[0].txid), id: BigInt(aged.rows[0].id) } : undefined;
  const slowest = [...positions.values()].sort(comparePositions)[0];
  let through = slowest;
  const lostConsumers: string[] = [];
  if (agedThrough && (!through || comparePositions(agedThrough, through) > 0)) {
    // Lost: a row up to agedThrough that the consumer has not passed (its noted transactions count).
    for (const [name, state] of states) {
      if (comparePositions(state.base, agedThrough) >= 0) continue;
      const unread = await connection.query(
        'retention.aged',
        `SELECT 1 FROM datastore_changelog changelog
         WHERE (${COMMIT_ORDER}, id) > ($1::text::xid8, $2::bigint) AND (${COMMIT_ORDER}, id) <= ($3::text::xid8, $4::bigint)
           AND NOT ${passedAbove('$5', '$6')} LIMIT 1`,
        [state.base.txid.toString(), state.base.id.toString(), agedThrough.txid.toString(), agedThrough.id.toString(), ...aboveArrays(state)],
      );
      if (unread.rowCount) lostConsumers.push(name);
    }
    through = agedThrough;
  }
  if (!through) return { removedRows: 0, lostConsumers: [] };
  await registry.markLost(lostConsumers, `changelog retention removed changes older than ${cutoff.toISOString()} that it had not read`);

  let removedRows = 0;
  for (;;) {
    const removed = await connection.query(
      'retention.delete',
      `DELETE FROM datastore_changelog WHERE id IN (
         SELECT id FROM datastore_changelog WHERE (${COMMIT_ORDER}, id) <= ($1::text::xid8, $2::bigint) LIMIT 5000)`,
      [through.txid.toString(), through.id.toString()],
    );
    removedRows += removed.rowCount ?? 0;
    if ((removed.rowCount ?? 0) < 5000) break;
  }
  await connection.query(
    'retention.record',
    `INSERT INTO console_changelog_retention (singleton, removed_through_txid, removed_through_id, removed_rows, last_run_at)
     VALUES (TRUE, $1::text::xid8, $2, $3, NOW())
     ON CONFLICT (singleton) DO UPDATE SET removed_through_txid = GREATEST(console_changelog_retention.removed_through_txid, EXCLUDED.removed_through_txid),
       removed_through_id = EXCLUDED.removed_through_id, removed_rows = console_changelog_retention.removed_rows + EXCLUDED.removed_rows, last_run_at = NOW()`,
    [through.txid.toString(), through.id.toString(), removedRows],
  );
  return { removedRows, lostConsumers };
}
