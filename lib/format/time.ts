// Times as people read them: a clock time with its zone (the viewer's or UTC, see
// ./display-zone.ts), a relative age, a duration. Safe in server and browser.

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'unknown';
  const abs = Math.abs(seconds);
  if (abs < 1) return `${Math.round(abs * 1000)} ms`;
  if (abs < 10) return `${abs.toFixed(1)} s`;
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
  // Rounded to the smaller unit first, then split: rounding the remainder alone wrote "59 min 60 s"
  // and "6 d 24 h". A value that rounds up to the next unit is written in that unit.
  const s = Math.round(abs);
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  const min = Math.round(abs / 60);
  if (min < 1440) return two(Math.floor(min / 60), 'h', min % 60, 'min');
  const h = Math.round(abs / 3600);
  return two(Math.floor(h / 24), 'd', h % 24, 'h');
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function formatAge(at: number, now: number): string {
  const seconds = Math.max(0, (now - at) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** The zone that shows times as UTC; any other zone is an IANA name, such as Europe/Berlin. */
export const UTC = 'UTC';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// en-US with a 24-hour cycle only to read the numbers out of formatToParts: the text is built here,
// so the server and the browser write the same characters whatever their locales.
const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockFormat(zone: string): Intl.DateTimeFormat {
  let format = clockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    clockFormats.set(zone, format);
  }
  return format;
}

function wallClock(at: number, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of clockFormat(zone).formatToParts(at)) parts[part.type] = part.value;
  const year = Number(parts.year);
  return {
    // Before year 1 the era says so (1 BC is year 0 in the proleptic count Date.UTC uses).
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

const utcOf = (clock: WallClock) => {
  const date = new Date(Date.UTC(2000, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second));
  date.setUTCFullYear(clock.year); // Date.UTC reads years 0-99 as 1900-1999
  return date.getTime();
};

/** Minutes a wall clock read at `at` is ahead of UTC. */
const offsetOf = (clock: WallClock, at: number) => Math.round((utcOf(clock) - Math.floor(at / 1000) * 1000) / 60_000);

/** Minutes `zone` is ahead of UTC at `at` (negative behind it). */
export function zoneOffsetMinutes(at: number, zone: string): number {
  return offsetOf(wallClock(at, zone), at);
}

const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');
const yearText = (year: number) => (year < 0 ? `-${pad(year, 4)}` : pad(year, 4));

const offsetLabel = (offset: number) =>
  offset === 0 ? 'UTC' : `UTC${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;

/** "UTC" when the zone is at UTC's clock then, else its offset: "UTC+01:00", "UTC-05:30". */
export function zoneLabel(at: number, zone: string): string {
  return offsetLabel(zoneOffsetMinutes(at, zone));
}

/** Whether this runtime knows `name` as a time zone (a cookie or a setting may name anything). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 100) return false;
  try {
    clockFormat(name);
    return true;
  } catch {
    return false;
  }
}

/** A time with its date and its zone, as every page shows one: "2026-12-06 14:05:03 UTC+01:00". */
export function formatTime(at: number, zone: string): string {
  if (!Number.isFinite(at)) return 'an unreadable time';
  const clock = wallClock(at, zone);
  return `${yearText(clock.year)}-${pad(clock.month)}-${pad(clock.day)} ${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)} ${offsetLabel(offsetOf(clock, at))}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The clock alone, for a chart's ticks, whose caption names the zone once: "14:05", "14:05:30" with
 * seconds, "Dec 6 14:05" with the day.
 */
export function formatClock(at: number, zone: string, show: { seconds?: boolean; day?: boolean } = {}): string {
  if (!Number.isFinite(at)) return '';
  const clock = wallClock(at, zone);
  const time = `${pad(clock.hour)}:${pad(clock.minute)}${show.seconds ? `:${pad(clock.second)}` : ''}`;
  return show.day ? `${MONTHS[clock.month - 1]} ${clock.day} ${time}` : time;
}

/** What a datetime-local input shows for `at` read in `zone`: "2026-12-06T14:05". */
export function toZoneInput(at: number, zone: string): string {
  if (!Number.isFinite(at)) return '';
  const clock = wallClock(at, zone);
  return `${yearText(clock.year)}-${pad(clock.month)}-${pad(clock.day)}T${pad(clock.hour)}:${pad(clock.minute)}`;
}

/**
 * A datetime-local input's value ("2026-12-06T14:05", seconds optional) read as a clock in `zone`, in
 * milliseconds since the epoch; NaN when it is not such a value. A clock the zone skips (the hour a
 * summer time starts) is read with the offset before the change: 02:30 in Berlin that night is 03:30.
 */
export function fromZoneInput(value: string, zone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value);
  if (!match) return NaN;
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const clock = { year, month, day, hour, minute, second };
  const asUtc = utcOf(clock);
  // Not a real day or clock (2026-02-30, 25:00): Date would roll it over silently.
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return NaN;
  // The zone's offset at the guess, then at the answer, settles on one across a change of offset.
  const guess = asUtc - zoneOffsetMinutes(asUtc, zone) * 60_000;
  return asUtc - zoneOffsetMinutes(guess, zone) * 60_000;
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString();
}
