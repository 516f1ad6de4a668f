// The Audit page's read model: a page of entries (newest first), the filter menus, the next page.
import 'server-only';

import type { AuditEntry } from '@/lib/audit/audit-entry';
import { auditFacets, listAudit, type AuditFilter } from '@/lib/audit/audit-log';
import { getConsolePool } from '@/lib/server/console-database';

export const AUDIT_PAGE_SIZE = 100;

export interface AuditPage {
  entries: AuditEntry[];
  facets: { actions: string[]; actors: string[] };
  /** `before` for the next (older) page, when there is one. */
  nextBefore: string | null;
}

export async function readAuditPage(filter: AuditFilter): Promise<AuditPage> {
  const pool = getConsolePool();
  const [entries, facets] = await Promise.all([listAudit(pool, filter, AUDIT_PAGE_SIZE + 1), auditFacets(pool)]);
  const more = entries.length > AUDIT_PAGE_SIZE;
  const shown = more ? entries.slice(0, AUDIT_PAGE_SIZE) : entries;
  return { entries: shown, facets, nextBefore: more ? shown[shown.length - 1].id : null };
}
