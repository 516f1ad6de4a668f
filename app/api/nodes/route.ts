import { parseNodeFilter } from '@/lib/projection/node-filter';
import { readNodeList } from '@/lib/queries/nodes';
import { allow } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

/** The nodes matching ?state=&agent=&check=&q= with the counts per state (the Nodes page's refetch). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  try {
    return Response.json(await readNodeList(parseNodeFilter(new URL(request.url).searchParams)), { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `nodes are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
