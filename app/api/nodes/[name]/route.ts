import { parseNodeRange, readNodeDetail } from '@/lib/queries/node-detail';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** One node's state, events in ?range= and maintenance events (the node page's refetch). */
export async function GET(request: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const { name } = await params;
  try {
    const detail = await readNodeDetail(
      appContext(),
      name,
      parseNodeRange(new URL(request.url).searchParams.get('range')),
    );
    if (!detail)
      return Response.json({ error: `no node named "${name}" has reported to this datastore` }, { status: 404 });
    return Response.json(detail, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return Response.json({ error: `the node is unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}
