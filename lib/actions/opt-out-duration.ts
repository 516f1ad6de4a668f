// How long a maintenance opt-out may last, and durations as operators type them ("30m", "2h",
// "3d", "1d12h"): plain values, shared by the input check (./opt-out-input.ts) and the node page's
// dialog (through lib/queries/opt-out-view.ts).

/** At least 10 minutes: shorter is not maintenance, and the put-back checks every few seconds. */
export const OPT_OUT_MIN_MS = 10 * 60_000;
/** At most 30 days: an opt-out forgotten for longer would keep a failing node away from NVSentinel unseen. */
export const OPT_OUT_MAX_MS = 30 * 86_400_000;

/** The dialog's choices; anything else is a custom end time. */
export const OPT_OUT_DURATIONS = ['30m', '1h', '2h', '4h', '8h', '1d', '3d', '7d'] as const;

const DURATION = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,7})m)?$/;

/** "30m", "2h", "1d12h" as ms; null when not of that form. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (!match || trimmed === '') return null;
  const [, days = '0', hours = '0', minutes = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000;
}

/** A span in words, to the minute: "40 s", "10 minutes", "2 h 30 min", "1 day 12 h", "30 days 1 min". */
export function spanText(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const total = Math.round(ms / 60_000);
  if (total < 60) return `${total} minute${total === 1 ? '' : 's'}`;
  const days = Math.floor(total / 1_440);
  const hours = Math.floor((total % 1_440) / 60);
  const minutes = total % 60;
  return [days ? `${days} day${days === 1 ? '' : 's'}` : '', hours ? `${hours} h` : '', minutes ? `${minutes} min` : '']
    .filter(Boolean)
    .join(' ');
}
