'use client';
// A dot and a short word in a box of fixed width, so the wide header's one row is as wide while it
// says "Wait" (connecting) as while it says "Live": the full wording is the status's text for a
// screen reader (announced as it changes) and its title on hover.
import { useLiveStatus } from './live-provider';

const LOOK = {
  live: { dot: 'bg-emerald-500', word: 'Live', label: 'Live' },
  connecting: { dot: 'bg-zinc-400 animate-pulse', word: 'Wait', label: 'Connecting…' },
  reconnecting: { dot: 'bg-amber-500 animate-pulse', word: 'Retry', label: 'Reconnecting…' },
  offline: { dot: 'bg-red-500', word: 'Offline', label: 'Offline' },
} as const;
const DEGRADED = { dot: 'bg-amber-500 animate-pulse', word: 'Stale', label: 'Datastore unavailable' } as const;

/** Live / reconnecting / offline, and whether the datastore behind the stream is reachable. */
export function ConnectionIndicator() {
  const { status, feed } = useLiveStatus();
  const degraded = status === 'live' && feed === 'reconnecting';
  const look = degraded ? DEGRADED : LOOK[status];
  return (
    <span
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-status={degraded ? 'degraded' : status}
      title={look.label}
      className="flex w-14 items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
    >
      <span aria-hidden className={`inline-block h-2 w-2 shrink-0 rounded-full ${look.dot}`} />
      <span aria-hidden>{look.word}</span>
      <span className="sr-only">{look.label}</span>
    </span>
  );
}
