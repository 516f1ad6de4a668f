import { exportEventSearch } from '@/lib/queries/events-export';
import { parseEventSearch } from '@/lib/queries/events-filter';
import { readEventSearch, searchFailure } from '@/lib/queries/events';
import { EXPORT_LIMIT } from '@/lib/queries/events-view';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

const noStore = { 'Cache-Control': 'no-store' };

/** A refusal the store made of a value the parameters let through, a search stopped at its time limit, or the datastore away. */
function failure(error: unknown): Response {
  const { status, error: message } = searchFailure(error);
  return Response.json({ error: message }, { status, headers: noStore });
}

/**
 * GET /api/events?xid=&check=&agent=&entity=&severity=&action=&node=&range= (or from=&to=)&view=events|nodes&limit=&after=:
 * one page of the matching events, newest first (`next` continues: with from and to of the answer's
 * `window`), or the nodes with their counts; with format=csv or format=json, the same search as a
 * download of at most 10,000 rows. An unknown parameter is a 400 naming it; a search the datastore
 * stopped at its time limit a 504 saying to narrow it.
 */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const parsed = parseEventSearch(new URL(request.url).searchParams);
  if (!parsed.ok) return Response.json({ error: parsed.error }, { status: 400, headers: noStore });
  const { search } = parsed;
  try {
    if (!search.format) return Response.json(await readEventSearch(appContext(), search), { headers: noStore });
    const file = exportEventSearch(await appContext().store(), search, search.format);
    // The first piece waits for the first read, so a datastore that fails answers 503, not a broken file.
    const first = await file.chunks.next();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(encoder.encode(first.value));
      },
      async pull(controller) {
        const next = await file.chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await file.chunks.return(undefined);
      },
    });
    return new Response(body, {
      headers: {
        'Content-Type': file.contentType,
        'Content-Disposition': `attachment; filename="${file.filename}"`,
        'X-Export-Limit': String(EXPORT_LIMIT),
        ...noStore,
      },
    });
  } catch (error) {
    return failure(error);
  }
}
