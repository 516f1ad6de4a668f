import { parseThroughputParams } from '@/lib/format/throughput-series';
import { readThroughputView } from '@/lib/queries/throughput';
import { allow } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

/** Events per bucket for ?range=15m|1h|6h|24h|7d&by=agent|checkName|componentClass|isFatal (the Throughput page's refetch). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const { range, by } = parseThroughputParams(new URL(request.url).searchParams);
  try {
    return Response.json(await readThroughputView(range, by), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `throughput is unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
