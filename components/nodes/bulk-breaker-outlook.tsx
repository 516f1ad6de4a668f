// NVSentinel's circuit breaker before a bulk quarantine: its state and limit, and how many GPU
// nodes would be cordoned after. A quarantine by hand is forced (quarantineOverrides.force), and
// fault-quarantine does not count forced cordons toward the breaker, so they cannot trip it; but
// while it is tripped fault-quarantine reads no new event, so the requests wait until a reset.
import type { BulkBreakerOutlook } from '@/lib/actions/bulk-node-plan';

export function BreakerOutlook({ breaker }: { breaker: BulkBreakerOutlook }) {
  const tripped = breaker.status === 'TRIPPED';
  const overLimit = breaker.cordonedAfter - breaker.cordonedNow + breaker.recentCordons >= breaker.limit;
  return (
    <div
      className="rounded border border-zinc-200 p-2 text-xs dark:border-zinc-700"
      data-testid="bulk-breaker"
      data-status={breaker.status ?? 'missing'}
      data-limit={breaker.limit}
      data-after={breaker.cordonedAfter}
    >
      <p className="font-medium">
        Circuit breaker: {breaker.status ?? 'no ConfigMap yet (CLOSED)'}, limit {breaker.limit} cordons in{' '}
        {breaker.windowSeconds} s ({breaker.percentage}% of {breaker.gpuNodes} GPU nodes); {breaker.recentCordons}{' '}
        counted now.
      </p>
      <p>
        GPU nodes cordoned: {breaker.cordonedNow} now, {breaker.cordonedAfter} after this quarantine.
      </p>
      <p className="text-zinc-500 dark:text-zinc-400">
        A quarantine by hand is forced: NVSentinel does not count it toward the breaker, so it cannot trip it.
      </p>
      {tripped ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          The breaker is TRIPPED: fault-quarantine reads no new event, so these quarantines wait until an admin resets
          it.
        </p>
      ) : overLimit ? (
        <p className="text-amber-700 dark:text-amber-400">
          As many cordons as the limit: were these counted, the breaker would trip.
        </p>
      ) : null}
    </div>
  );
}
