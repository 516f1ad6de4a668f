import { parseNodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { readNodeList } from '@/lib/queries/nodes';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** One page (?page=, 1-based; ?pageSize=) of the nodes matching ?state=&agent=&check=&q=, worst first, with the counts per state. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  try {
    const params = new URL(request.url).searchParams;
    return Response.json(await readNodeList(appContext(), parseNodeFilter(params), parseNodePage(params)), {
      headers: { 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return Response.json({ error: `nodes are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
