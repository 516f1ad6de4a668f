'use client';
import { formatAge, formatLocalTime } from '@/lib/format/time';

import { useNow } from './use-now';

/** Relative age with the local time in the tooltip; fixed width until the client knows the time. */
export function RelativeTime({ at, className = '' }: { at: number | null; className?: string }) {
  const now = useNow();
  if (at === null) return <span className={className}>—</span>;
  return (
    <time
      dateTime={new Date(at).toISOString()}
      title={now === null ? undefined : formatLocalTime(at)}
      className={`tabular-nums ${className}`}
    >
      {now === null ? '\u00a0' : formatAge(at, now)}
    </time>
  );
}

export function LocalTime({ at, className = '' }: { at: number | null; className?: string }) {
  const now = useNow();
  if (at === null) return <span className={className}>—</span>;
  return (
    <time dateTime={new Date(at).toISOString()} className={`tabular-nums ${className}`}>
      {now === null ? new Date(at).toISOString().replace('T', ' ').slice(0, 19) : formatLocalTime(at)}
    </time>
  );
}
