import { verifyAuditChain } from '@/lib/audit/audit-chain';
import { getConsolePool } from '@/lib/server/console-database';
import { allow } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

/** Whether the audit log's hash chain holds, and where it breaks if not. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'audit:read');
  if (!access.ok) return access.response;
  return Response.json(await verifyAuditChain(getConsolePool()), { headers: { 'Cache-Control': 'no-store' } });
}
