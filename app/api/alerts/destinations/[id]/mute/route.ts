import { muteAlertDestinationMutation } from '@/lib/actions/alert-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { until: ISO time with zone | null }: mute the destination until then (null: unmute) (admin). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return mutationResponse(request, muteAlertDestinationMutation, { id: (await params).id });
}
