// How long the feed keeps a change, for a consumer's time until events are lost. PostgreSQL: the
// changelog keeps rows until something deletes them (NVSentinel's cleanup_changelog(retention_days),
// default 7 days, run by whatever schedule the operator set up; the console deletes nothing), so
// the age is a setting, CHANGELOG_RETENTION. MongoDB: the oplog's window, newest less oldest entry.
import { parseDuration } from '@/lib/actions/opt-out-duration';
import type { EventLossWindow } from '@/lib/queries/event-loss-view';
import type { Environment } from '@/lib/store';

/** cleanup_changelog()'s default: 7 days. */
export const DEFAULT_CHANGELOG_RETENTION = '7d';

/** CHANGELOG_RETENTION ("7d", "36h", "1d12h") in seconds. */
export function changelogRetentionSeconds(env: Environment = process.env): number {
  const raw = env.CHANGELOG_RETENTION?.trim() || DEFAULT_CHANGELOG_RETENTION;
  const ms = parseDuration(raw);
  if (ms === null || ms < 60_000)
    throw new Error(
      `CHANGELOG_RETENTION must be a duration of at least a minute such as 7d, 36h or 1d12h: how old a changelog row gets before your cleanup deletes it (got "${raw}")`,
    );
  return ms / 1000;
}

/** What of the feed's storage the window needs (DataStore.stats().feedStorage fits). */
export type FeedStorageKind = { kind: 'changelog' } | { kind: 'oplog'; windowSeconds: number | null };

export function eventLossWindow(storage: FeedStorageKind, env: Environment = process.env): EventLossWindow {
  if (storage.kind === 'changelog')
    return { seconds: changelogRetentionSeconds(env), source: 'changelog (kept for CHANGELOG_RETENTION)' };
  return { seconds: storage.windowSeconds, source: 'oplog window' };
}
