import { nodeEventsFailure, readNodeEvents } from '@/lib/queries/node-detail-events';
import { parseNodeEventsQuery } from '@/lib/queries/node-detail-events-view';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

const noStore = { 'Cache-Control': 'no-store' };

/**
 * GET /api/nodes/<name>/events?from=&to=&older=<time~record id>[&entity=TYPE:VALUE][&fatal=1]: the
 * node page's event table, the page after `older` (a cursor an answer or the page handed out) in the
 * window [from, to) its first page was read in, newest first. A wrong or unknown parameter is a 400
 * naming it.
 */
export async function GET(request: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const { name } = await params;
  const parsed = parseNodeEventsQuery(new URL(request.url).searchParams);
  if ('problems' in parsed)
    return Response.json({ error: parsed.problems.join('; ') }, { status: 400, headers: noStore });
  try {
    return Response.json(await readNodeEvents(appContext(), name, parsed.request), { headers: noStore });
  } catch (error) {
    const { status, error: message } = nodeEventsFailure(error);
    return Response.json({ error: message }, { status, headers: noStore });
  }
}
