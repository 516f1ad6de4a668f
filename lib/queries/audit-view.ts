// What the Audit page's browser side receives: one page of entries and the filter menus.
import type { AuditEntry } from '@/lib/audit/audit-entry';

export const AUDIT_PAGE_SIZE = 100;

export interface AuditPage {
  entries: AuditEntry[];
  facets: { actions: string[]; actors: string[] };
  /** `before` for the next (older) page, when there is one. */
  nextBefore: string | null;
}
