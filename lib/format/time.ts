// Times as people read them: local clock time and a relative age. Safe in server and browser.

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'unknown';
  const abs = Math.abs(seconds);
  if (abs < 1) return `${Math.round(abs * 1000)} ms`;
  if (abs < 60) return `${abs < 10 ? abs.toFixed(1) : Math.round(abs)} s`;
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
  if (abs < 3600) return two(Math.floor(abs / 60), 'min', Math.round(abs % 60), 's');
  if (abs < 86_400) return two(Math.floor(abs / 3600), 'h', Math.round((abs % 3600) / 60), 'min');
  return two(Math.floor(abs / 86_400), 'd', Math.round((abs % 86_400) / 3600), 'h');
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

export function formatLocalTime(at: number): string {
  return new Date(at).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toLocaleString();
}
