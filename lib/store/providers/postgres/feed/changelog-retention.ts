// Removes changelog rows every consumer has passed. Rows older than maxAge go even if a consumer
// has not read them; such a consumer is marked "position lost" first, so its next feed reports
// the gap instead of silently skipping it. (Deleting from NVSentinel's changelog is a write to
// its table: only ever on an explicit call, never by the console on its own.)
import type { ChangelogRetentionResult } from '../../../datastore';
import { StoreError } from '../../../errors/store-error';
import type { PostgresConnection } from '../postgres-connection';
import type { PostgresConsumerRegistry } from './postgres-consumer-registry';

export async function retainChangelog(
  datastore: PostgresConnection,
  console: PostgresConnection,
  registry: PostgresConsumerRegistry,
  options: { maxAgeMs: number },
): Promise<ChangelogRetentionResult> {
  if (!Number.isFinite(options.maxAgeMs) || options.maxAgeMs < 0)
    throw new StoreError('invalid', 'maxAgeMs: must be a duration in milliseconds, 0 or more');
  const order = await registry.changelogOrder();
  const states = new Map<string, unknown>();
  for (const name of await registry.names()) {
    // A consumer already lost, or known only by its health row, has no position to keep. Any other
    // failure to read a position stops retention: it must not remove rows someone has not read.
    const stored = await registry.loadPosition(name).catch((error: unknown) => {
      if (error instanceof StoreError && ['position-lost', 'unknown-consumer'].includes(error.code)) return undefined;
      throw error;
    });
    if (stored) states.set(name, stored.state);
  }
  const cutoff = new Date(Date.now() - options.maxAgeMs);
  // Newest row older than the cutoff: everything up to it goes whatever the consumers say.
  const agedThrough = await order.agedThrough(datastore, cutoff);
  let through = order.slowest([...states.values()]);
  const lostConsumers: string[] = [];
  if (agedThrough && (!through || order.compare(agedThrough, through) > 0)) {
    for (const [name, state] of states) {
      if (await order.unreadThrough(datastore, state, agedThrough)) lostConsumers.push(name);
    }
    through = agedThrough;
  }
  if (!through) return { removedRows: 0, lostConsumers: [] };
  await registry.markLost(
    lostConsumers,
    `changelog retention removed changes older than ${cutoff.toISOString()} that it had not read`,
  );

  // Recorded before the rows go: a reader without a stored position (a replica following a kept
  // checkpoint) that reads after this sees it and ends with position-lost instead of a silent gap.
  const [txid, id] = through.includes('/') ? through.split('/') : ['0', through];
  const record = (removedRows: number) =>
    console.query(
      'retention.record',
      `INSERT INTO console_changelog_retention (singleton, removed_through_txid, removed_through_id, removed_rows, last_run_at)
       VALUES (TRUE, $1::text::xid8, $2, $3, NOW())
       ON CONFLICT (singleton) DO UPDATE SET
         -- The later position of the two, as one (txid, id) pair: raising each part on its own
         -- could name a position past anything removed.
         removed_through_txid = CASE WHEN (EXCLUDED.removed_through_txid, EXCLUDED.removed_through_id) > (console_changelog_retention.removed_through_txid, console_changelog_retention.removed_through_id)
                                     THEN EXCLUDED.removed_through_txid ELSE console_changelog_retention.removed_through_txid END,
         removed_through_id = CASE WHEN (EXCLUDED.removed_through_txid, EXCLUDED.removed_through_id) > (console_changelog_retention.removed_through_txid, console_changelog_retention.removed_through_id)
                                   THEN EXCLUDED.removed_through_id ELSE console_changelog_retention.removed_through_id END,
         removed_rows = console_changelog_retention.removed_rows + EXCLUDED.removed_rows, last_run_at = NOW()`,
      [txid, id, removedRows],
    );
  await record(0);
  const removedRows = await order.removeThrough(datastore, through);
  await record(removedRows);
  return { removedRows, lostConsumers };
}
