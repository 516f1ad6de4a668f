import { deleteAlertDestinationMutation, updateAlertDestinationMutation } from '@/lib/actions/alert-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ id: string }> };

/** POST { name?, url?, format?, kinds?, enabled? }: change a webhook destination (admin). */
export async function POST(request: Request, { params }: Params) {
  return mutationResponse(request, updateAlertDestinationMutation, { id: (await params).id });
}

/** DELETE: remove a webhook destination and its delivery log (admin). */
export async function DELETE(request: Request, { params }: Params) {
  return mutationResponse(request, deleteAlertDestinationMutation, { id: (await params).id });
}
