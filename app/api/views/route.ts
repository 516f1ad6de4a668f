import { mutationResponse } from '@/lib/actions/mutation-route';
import { createViewMutation } from '@/lib/actions/saved-view-mutations';
import { readSavedViews } from '@/lib/queries/saved-views';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** The signed-in user's named views (an admin's: everyone's); the Views menu's and /views' refetch. */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'views:save');
  if (!access.ok) return access.response;
  try {
    return Response.json(
      { views: await readSavedViews(appContext(), access.actor) },
      { headers: { 'Cache-Control': 'no-store' } },
    );
  } catch (error) {
    return Response.json({ error: `the views are unavailable: ${(error as Error).message}` }, { status: 503 });
  }
}

/** POST { name, path: "/nodes" | "/events" | "/throughput" | "/audit", query }: save a named view (any role). */
export async function POST(request: Request) {
  return mutationResponse(request, createViewMutation, {});
}
