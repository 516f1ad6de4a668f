import { mutationResponse } from '@/lib/actions/mutation-route';
import { deleteViewMutation, renameViewMutation } from '@/lib/actions/saved-view-mutations';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ id: string }> };

/** POST { name }: rename one's own view. */
export async function POST(request: Request, { params }: Params) {
  return mutationResponse(request, renameViewMutation, { id: (await params).id });
}

/** DELETE: delete one's own view (admins: anyone's). */
export async function DELETE(request: Request, { params }: Params) {
  return mutationResponse(request, deleteViewMutation, { id: (await params).id });
}
