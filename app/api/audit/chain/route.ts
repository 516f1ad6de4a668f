import { verifyAuditChain } from '@/lib/audit/audit-chain';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** Whether the audit log's hash chain holds, and where it breaks if not. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'audit:read');
  if (!access.ok) return access.response;
  return Response.json(await verifyAuditChain(appContext().consolePool()), {
    headers: { 'Cache-Control': 'no-store' },
  });
}
