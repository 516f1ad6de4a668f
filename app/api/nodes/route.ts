import { parseNodeFilter } from '@/lib/node-state/node-filter';
import { parseNodePage } from '@/lib/node-state/node-order';
import { parseNodeSort } from '@/lib/node-state/node-sort';
import { readNodeList } from '@/lib/queries/nodes';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/**
 * One page (?page=, 1-based; ?pageSize=) of the nodes matching ?state=&agent=&check=&q=, worst first
 * or by ?sort=<column>&dir=asc|desc, with the counts per state.
 */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const params = new URL(request.url).searchParams;
  const { sort, problem } = parseNodeSort(params);
  if (problem) return Response.json({ error: problem }, { status: 400 });
  try {
    const page = { ...parseNodePage(params), sort };
    return Response.json(await readNodeList(appContext(), parseNodeFilter(params), page), {
      headers: { 'Cache-Control': 'no-store' },
    });
  } catch (error) {
    return Response.json({ error: `nodes are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
