'use client';
// Shows every time in UTC instead of the viewer's zone, remembered in this browser (a cookie the
// server reads too: components/ui/display-zone.tsx).
import { chooseTimes, useDisplayZone, useTimesChoice } from '@/components/ui/display-zone';

export function TimeZoneSwitch() {
  const utc = useTimesChoice() === 'utc';
  const zone = useDisplayZone();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={utc}
      aria-label="Times in UTC"
      onClick={() => chooseTimes(utc ? 'local' : 'utc')}
      title={utc ? 'Times are shown in UTC' : `Times are shown in your zone (${zone})`}
      data-testid="utc-switch"
      className="flex items-center gap-1.5 rounded px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      <span
        aria-hidden
        className={`relative inline-block h-3.5 w-6 rounded-full transition-colors ${utc ? 'bg-sky-600' : 'bg-zinc-300 dark:bg-zinc-600'}`}
      >
        <span
          className={`absolute top-0.5 left-0.5 h-2.5 w-2.5 rounded-full bg-white transition-transform ${utc ? 'translate-x-2.5' : ''}`}
        />
      </span>
      UTC
    </button>
  );
}
