import { testAlertDestinationMutation } from '@/lib/actions/alert-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST: send a test alert to the destination now, once (admin); 200 when it answered 2xx, else 409 with its answer. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return mutationResponse(request, testAlertDestinationMutation, { id: (await params).id });
}
