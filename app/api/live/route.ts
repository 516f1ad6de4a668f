// The one live stream: Server-Sent Events from the process's live hub. Topics and the node filter
// come in the query string; a reconnecting EventSource resumes with Last-Event-ID.
import { LiveRequestError, parseLiveRequest } from '@/lib/live/live-request';
import { openStreams } from '@/lib/live/open-streams';
import { appContext } from '@/lib/server/app-context';
import { allow } from '@/lib/server/route-guard';

export const dynamic = 'force-dynamic';

const sessionCheckMs = () => Math.max(1_000, Number(process.env.LIVE_SESSION_CHECK_MS) || 30_000);

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
    const hub = await appContext().liveHub();
    connection = await hub.connect(live);
  } catch (error) {
    return Response.json(
      { error: `live updates are unavailable: ${(error as Error).message}` },
      { status: 503, headers: { 'Retry-After': '2' } },
    );
  }
  // A stream outlives the check at connect: look again every so often, so a user who signed out,
  // was disabled or whose session expired stops receiving updates (the browser then reconnects,
  // gets 401 and goes to the sign-in page).
  // Disabling the user ends the stream at once (lib/actions/user-mutations.ts).
  const forget = openStreams().add(access.actor.id, () => connection.close());
  const recheck = setInterval(() => {
    if (connection.isClosed) {
      forget();
      return clearInterval(recheck);
    }
    void appContext()
      .actor(request.headers)
      .catch(() => null)
      .then((actor) => {
        if (!actor) connection.close();
      });
  }, sessionCheckMs());
  request.signal.addEventListener('abort', () => {
    clearInterval(recheck);
    forget();
    connection.close();
  });
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
