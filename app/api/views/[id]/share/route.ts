import { mutationResponse } from '@/lib/actions/mutation-route';
import { shareViewMutation } from '@/lib/actions/saved-view-mutations';

export const dynamic = 'force-dynamic';

/** POST { shared: true | false }: let anyone signed in open the view's link, or keep it to oneself (owner). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return mutationResponse(request, shareViewMutation, { id: (await params).id });
}
