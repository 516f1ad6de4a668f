'use client';
import { useLiveStatus } from './live-provider';

const LOOK = {
  live: { dot: 'bg-emerald-500', label: 'Live' },
  connecting: { dot: 'bg-zinc-400 animate-pulse', label: 'Connecting' },
  reconnecting: { dot: 'bg-amber-500 animate-pulse', label: 'Reconnecting' },
  offline: { dot: 'bg-red-500', label: 'Offline' },
} as const;

/** Live / reconnecting / offline, and whether the datastore behind the stream is reachable. */
export function ConnectionIndicator() {
  const { status, feed } = useLiveStatus();
  const degraded = status === 'live' && feed === 'reconnecting';
  const look = degraded ? { dot: 'bg-amber-500 animate-pulse', label: 'Datastore unavailable' } : LOOK[status];
  return (
    <span
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-status={degraded ? 'degraded' : status}
      className="flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400"
    >
      <span aria-hidden className={`inline-block h-2 w-2 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
