// How NVSentinel writes values into node labels: times in Go's layout 2006-01-02T15-04-05Z (UTC;
// reconciler.go:1026), and text made label-safe: every character outside [a-zA-Z0-9_.-] becomes '-',
// cut to 63 characters, '-' trimmed at both ends (reconciler.go:1791-1802).

export function labelTimestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** A label time in that layout, as ms; null when absent or not in that layout. */
export function parseLabelTimestamp(value: string | undefined): number | null {
  const match = value && /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)Z$/.exec(value);
  if (!match) return null;
  const at = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}Z`);
  return Number.isNaN(at) ? null : at;
}

/** fault-quarantine's sanitising, exactly (a result ending in '_' or '.' is still refused by the API server). */
export function nvsentinelLabelValue(text: string): string {
  return text
    .replace(/[^a-zA-Z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}
