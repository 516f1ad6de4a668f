import { parseAuditFilter } from '@/lib/queries/audit-filter';
import { readAuditPage } from '@/lib/queries/audit';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** A page of the audit log, newest first (?actor=&action=&outcome=&target=&from=&to=&before=). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'audit:read');
  if (!access.ok) return access.response;
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400 });
  return Response.json(await readAuditPage(appContext(), parsed.filter), { headers: { 'Cache-Control': 'no-store' } });
}
