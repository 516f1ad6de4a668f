// What the Audit page's browser side receives (one page of entries and the filter menus), and how
// an entry's change reads: the fields that changed, each as `field: before → after`; a side that is
// not an object is shown whole.
import type { AuditEntry } from '@/lib/audit/audit-entry';

export { AUDIT_OUTCOMES } from '@/lib/audit/audit-entry';

export const AUDIT_PAGE_SIZE = 100;

export interface AuditPage {
  entries: AuditEntry[];
  facets: { actions: string[]; actors: string[] };
  /** `before` for the next (older) page, when there is one. */
  nextBefore: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  // Milliseconds since the epoch (state times) read better as times.
  if (typeof value === 'number' && value > 1e12 && value < 1e13)
    return new Date(value).toISOString().replace('T', ' ').slice(0, 19);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export interface ChangedField {
  field: string;
  before: string;
  after: string;
}

/** The fields that differ; every field of a lone side (a creation, or a refusal with no after). */
export function changedFields(before: unknown, after: unknown): ChangedField[] {
  if (!isRecord(before) && !isRecord(after)) {
    return before == null && after == null ? [] : [{ field: '', before: show(before), after: show(after) }];
  }
  const from = isRecord(before) ? before : {};
  const to = isRecord(after) ? after : {};
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  const onlyOneSide = !isRecord(before) || !isRecord(after);
  return keys
    .filter((key) => onlyOneSide || JSON.stringify(from[key]) !== JSON.stringify(to[key]))
    .map((key) => ({
      field: key,
      before: isRecord(before) ? show(from[key]) : '',
      after: isRecord(after) ? show(to[key]) : '',
    }));
}
