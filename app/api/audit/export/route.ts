import { AUDIT_CSV_HEADER, auditCsvRow } from '@/lib/audit/audit-csv';
import { eachAudit } from '@/lib/audit/audit-log';
import { withUserAliases } from '@/lib/queries/audit';
import { parseAuditFilter } from '@/lib/queries/audit-filter';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** The audit log (same filters as /api/audit) as CSV, streamed page by page. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'audit:read');
  if (!access.ok) return access.response;
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400 });
  const encoder = new TextEncoder();
  const pool = appContext().consolePool();
  // The rows the page lists for the same filter: a user's by id and by name.
  const entries = eachAudit(pool, await withUserAliases(pool, parsed.filter));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${AUDIT_CSV_HEADER}\r\n`));
    },
    async pull(controller) {
      const next = await entries.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${auditCsvRow(next.value)}\r\n`));
    },
    async cancel() {
      await entries.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="sentinel-console-audit-${stamp}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
