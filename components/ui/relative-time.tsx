'use client';
import { formatAge, formatTime } from '@/lib/format/time';

import { useDisplayZone } from './display-zone';
import { useNow } from './use-now';

/** Relative age with the time and its zone in the tooltip; fixed width until the client knows the time. */
export function RelativeTime({ at, className = '' }: { at: number | null; className?: string }) {
  const now = useNow();
  const zone = useDisplayZone();
  if (at === null) return <span className={className}>—</span>;
  return (
    <time dateTime={new Date(at).toISOString()} title={formatTime(at, zone)} className={`tabular-nums ${className}`}>
      {now === null ? '\u00a0' : formatAge(at, now)}
    </time>
  );
}

/** The time with its date and zone, in the zone the viewer chose (lib/format/display-zone.ts). */
export function LocalTime({ at, className = '' }: { at: number | null; className?: string }) {
  const zone = useDisplayZone();
  if (at === null) return <span className={className}>—</span>;
  return (
    <time dateTime={new Date(at).toISOString()} className={`tabular-nums ${className}`}>
      {formatTime(at, zone)}
    </time>
  );
}
