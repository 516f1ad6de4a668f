// The one live stream: Server-Sent Events from the process's live hub. Topics and the node filter
// come in the query string; a reconnecting EventSource resumes with Last-Event-ID.
import { LiveRequestError, parseLiveRequest } from '@/lib/live/live-hub';
import { getLiveHub } from '@/lib/server/live-hub';
import { allow } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const access = await allow(request);
  if (!access.ok) return access.response;
  const url = new URL(request.url);
  let live;
  try {
    live = parseLiveRequest(url, request.headers.get('last-event-id'));
  } catch (error) {
    if (error instanceof LiveRequestError) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
  let connection;
  try {
    const hub = await getLiveHub();
    connection = await hub.connect(live);
  } catch (error) {
    return Response.json({ error: `live updates are unavailable: ${(error as Error).message}` }, { status: 503, headers: { 'Retry-After': '2' } });
  }
  request.signal.addEventListener('abort', () => connection.close());
  return new Response(connection.stream, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform and X-Accel-Buffering keep proxies and compression from buffering the stream.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    },
  });
}
