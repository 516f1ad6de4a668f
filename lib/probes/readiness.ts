// Readiness (/api/ready): this process can serve its pages, meaning the datastore answers and the
// live hub follows its change feed. Liveness stays /api/health (200 while the process serves).
// Each check waits at most READINESS_TIMEOUT_MS; a hub that takes longer to start goes on starting.
import type { AppContext } from '@/lib/context/app-context';

import { settleWithin } from './settle-within';

export const READINESS_TIMEOUT_MS = 2_000;

export interface ReadinessCheck {
  ready: boolean;
  /** What was found, in words. */
  detail: string;
  latencyMs?: number;
}

export type ReadinessCheckName = 'database' | 'liveFeed';

export interface Readiness {
  ready: boolean;
  checkedAt: string;
  /** The checks that failed, by name. */
  notReady: ReadinessCheckName[];
  checks: Record<ReadinessCheckName, ReadinessCheck>;
}

const FEED_STATES: Record<string, string> = {
  starting: "the live hub's change feed is starting",
  live: 'the live hub follows the change feed',
  reconnecting: "the live hub's change feed is reconnecting to the datastore",
  closed: "the live hub's change feed failed; the hub is starting again",
};

async function checkDatabase(context: AppContext, timeoutMs: number): Promise<ReadinessCheck> {
  const started = performance.now();
  const settled = await settleWithin(
    context.store().then((store) => store.ping()),
    timeoutMs,
  );
  if (settled.status === 'done')
    return {
      ready: true,
      detail: 'the datastore answers',
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  if (settled.status === 'failed')
    return { ready: false, detail: `the datastore does not answer: ${settled.error.message}` };
  return { ready: false, detail: `the datastore did not answer within ${timeoutMs / 1000} s` };
}

async function checkLiveFeed(context: AppContext, timeoutMs: number): Promise<ReadinessCheck> {
  const settled = await settleWithin(context.liveHub(), timeoutMs);
  if (settled.status === 'failed')
    return { ready: false, detail: `the live hub could not start: ${settled.error.message}` };
  if (settled.status === 'timed-out')
    return { ready: false, detail: 'the live hub is starting (loading the node snapshot)' };
  const status = settled.value.status();
  // The first build of the kept projection reads the history before the feed is followed, for
  // minutes on a big datastore; the hub answers meanwhile (the nodes read so far, pages and charts
  // from the datastore), so the replica takes traffic and says it is warming up.
  if (status.projection?.phase === 'building' && status.feed === 'starting')
    return {
      ready: true,
      detail: `the live hub answers while the node projection is built (warming up: ${status.projection.nodesBuilt} of ${status.projection.nodesTotal ?? '?'} nodes read)`,
    };
  const feed = status.feed;
  return { ready: feed === 'live', detail: FEED_STATES[feed] ?? `the live hub's change feed is ${feed}` };
}

export async function probeReadiness(context: AppContext, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  const [database, liveFeed] = await Promise.all([
    checkDatabase(context, timeoutMs),
    checkLiveFeed(context, timeoutMs),
  ]);
  const checks = { database, liveFeed };
  const notReady = (Object.keys(checks) as ReadinessCheckName[]).filter((name) => !checks[name].ready);
  return { ready: notReady.length === 0, checkedAt: new Date().toISOString(), notReady, checks };
}
