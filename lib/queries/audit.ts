// The Audit page's read model: a page of entries (newest first), the filter menus, the next page.
import { auditFacets, listAudit, type AuditFilter } from '@/lib/audit/audit-log';
import type { AppContext } from '@/lib/context/app-context';

import { AUDIT_PAGE_SIZE, type AuditPage } from './audit-view';

export async function readAuditPage(context: AppContext, filter: AuditFilter): Promise<AuditPage> {
  const pool = context.consolePool();
  const [entries, facets] = await Promise.all([listAudit(pool, filter, AUDIT_PAGE_SIZE + 1), auditFacets(pool)]);
  const more = entries.length > AUDIT_PAGE_SIZE;
  const shown = more ? entries.slice(0, AUDIT_PAGE_SIZE) : entries;
  return { entries: shown, facets, nextBefore: more ? shown[shown.length - 1].id : null };
}
