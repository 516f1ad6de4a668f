import { checkThroughputParams } from '@/lib/queries/throughput-view';
import { readThroughputView } from '@/lib/queries/throughput';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/**
 * Events per bucket for ?range=15m|1h|6h|24h|7d|30d&by=agent|checkName|componentClass|isFatal, or for a zoom's
 * &from=&to= (ISO times, at most 30 days apart) instead of the range (the Throughput page's refetch); 400 for
 * any other value.
 */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const params = checkThroughputParams(new URL(request.url).searchParams);
  if (!params.ok)
    return Response.json({ error: params.error }, { status: 400, headers: { 'Cache-Control': 'no-store' } });
  try {
    return Response.json(await readThroughputView(appContext(), params.range, params.by, params.zoom), {
      headers: { 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return Response.json({ error: `throughput is unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
