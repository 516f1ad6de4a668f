// NVSentinel's circuit breaker on the Pipeline page: CLOSED or TRIPPED (and since when), how close
// it is (NVSentinel cordons in the window against the limit, in GPU nodes), how many events wait
// behind it, and, tripped, what that means and how NVSentinel's runbook resets it; for an admin
// (mayReset), a Reset… button that does that reset (./breaker-reset-dialog.tsx).
import type { CircuitBreakerView } from '@/lib/cluster/circuit-breaker-view';

import { BreakerResetButton } from '@/components/pipeline/breaker-reset-dialog';
import { Panel } from '@/components/ui/panel';
import { RelativeTime } from '@/components/ui/relative-time';

export function CircuitBreakerPanel({
  breaker,
  mayReset = false,
  onReset = () => {},
}: {
  breaker: CircuitBreakerView | null;
  /** The signed-in user may reset it (breaker:reset); the server checks again. */
  mayReset?: boolean;
  /** After every answer to a reset (it comes once the server's watch has what it wrote): read the page again. */
  onReset?: () => void;
}) {
  if (!breaker) {
    return (
      <Panel title="Circuit breaker" testId="breaker-panel">
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="breaker-state" data-state="not-connected">
          Cluster state not connected: the breaker lives in NVSentinel&apos;s circuit-breaker ConfigMap, which this
          console cannot read without Kubernetes access.
        </p>
      </Panel>
    );
  }
  if (breaker.connection.state === 'connecting') {
    return (
      <Panel title="Circuit breaker" testId="breaker-panel">
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="breaker-state" data-state="connecting">
          Connecting to the Kubernetes API server…
        </p>
      </Panel>
    );
  }
  const tripped = breaker.status === 'TRIPPED';
  const share = breaker.limit > 0 ? Math.min(1, breaker.recentCordons / breaker.limit) : 0;
  return (
    <Panel title="Circuit breaker" testId="breaker-panel">
      <div className="space-y-2 text-sm" data-testid="breaker-state" data-state={breaker.status ?? 'missing'}>
        <p>
          <span
            className={`font-semibold ${tripped ? 'text-red-700 dark:text-red-400' : 'text-emerald-700 dark:text-emerald-400'}`}
          >
            {breaker.status ?? 'No ConfigMap yet (fault-quarantine creates it CLOSED)'}
          </span>
          {tripped && breaker.trippedAt ? (
            <>
              {' '}
              since <RelativeTime at={breaker.trippedAt} />
            </>
          ) : null}
          {breaker.cursor ? <span className="text-zinc-500 dark:text-zinc-400"> · cursor {breaker.cursor}</span> : null}
        </p>
        <div>
          <div className="h-2 w-full max-w-md rounded bg-zinc-200 dark:bg-zinc-800" aria-hidden="true">
            <div
              className={`h-2 rounded ${share >= 1 ? 'bg-red-600' : share >= 0.5 ? 'bg-amber-500' : 'bg-emerald-600'}`}
              style={{ width: `${share * 100}%` }}
            />
          </div>
          <p
            className="mt-1 text-zinc-600 dark:text-zinc-400"
            data-testid="breaker-utilisation"
            title="Read from the nodes' cordon labels: nodes NVSentinel released within the window, and cordons it adopted, carry none, so fault-quarantine's own count may be higher"
          >
            At least {breaker.recentCordons} of {breaker.limit} GPU nodes cordoned by NVSentinel in the last{' '}
            {breaker.limits.windowSeconds >= 120
              ? `${breaker.limits.windowSeconds / 60} minutes`
              : `${breaker.limits.windowSeconds} s`}{' '}
            (trips at {breaker.limits.percentage} % of {breaker.gpuNodes} GPU nodes)
          </p>
        </div>
        {breaker.connection.state === 'stale' ? (
          <p className="text-amber-800 dark:text-amber-300" data-testid="breaker-stale">
            Cluster state stale since <RelativeTime at={breaker.connection.staleSince} />:{' '}
            {breaker.connection.lastError}
          </p>
        ) : null}
        {tripped ? (
          <div className="space-y-1 text-amber-800 dark:text-amber-300" data-testid="breaker-tripped">
            <p>
              fault-quarantine processes nothing while tripped, healthy events included: cordoned nodes stay cordoned.
              {breaker.waiting !== null ? ` ${breaker.waiting.toLocaleString()} events wait behind it.` : ''}
            </p>
            <p>
              NVSentinel&apos;s reset: set the ConfigMap to CLOSED with cursor RESUME (process the waiting events) or
              CREATE (drop them), then restart the fault-quarantine Deployment; uncordon the nodes that are healthy
              first.
            </p>
          </div>
        ) : null}
        {mayReset ? (
          <BreakerResetButton
            tripped={tripped}
            waiting={breaker.waiting}
            resourceVersion={breaker.resourceVersion}
            onDone={onReset}
          />
        ) : null}
      </div>
    </Panel>
  );
}
