import { parseNodeRange, readNodeDetail } from '@/lib/queries/node-detail';
import { parseNodePageParams } from '@/lib/queries/node-gpus-view';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/**
 * One node's state, its timeline of ?range=, the first page of its event table (?entity=TYPE:VALUE,
 * ?fatal=1 filter it) and its maintenance events (the node page's refetch). A wrong filter is a 400
 * naming it.
 */
export async function GET(request: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const { name } = await params;
  const search = new URL(request.url).searchParams;
  const filterParams: Record<string, string | string[]> = {};
  for (const key of ['entity', 'fatal']) {
    const values = search.getAll(key);
    if (values.length > 0) filterParams[key] = values.length > 1 ? values : values[0]!;
  }
  const { filter, problems } = parseNodePageParams(filterParams);
  if (problems.length > 0) return Response.json({ error: problems.join('; ') }, { status: 400 });
  try {
    const detail = await readNodeDetail(appContext(), name, parseNodeRange(search.get('range')), { filter });
    if (!detail)
      return Response.json({ error: `no node named "${name}" has reported to this datastore` }, { status: 404 });
    return Response.json(detail, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `the node is unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
