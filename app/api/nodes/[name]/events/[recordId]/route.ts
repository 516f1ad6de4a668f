import { nodeEventsFailure, readNodeEvent } from '@/lib/queries/node-detail-events';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/**
 * GET /api/nodes/<name>/events/<recordId>: one event of the node, every field, as the node page
 * shows an event a link or a timeline point opens that the table's rows leave out. `event` is null
 * when no event of this node has the id (`refused` says why the datastore refused one).
 */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ name: string; recordId: string }> },
): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const { name, recordId } = await params;
  try {
    const linked = await readNodeEvent(await appContext().store(), name, recordId);
    return Response.json(linked, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    const { status, error: message } = nodeEventsFailure(error);
    return Response.json({ error: message }, { status, headers: { 'Cache-Control': 'no-store' } });
  }
}
