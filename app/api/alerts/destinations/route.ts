import { createAlertDestinationMutation } from '@/lib/actions/alert-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { name, url, format: "slack" | "json", kinds: [...], enabled? }: add a webhook destination (admin). */
export async function POST(request: Request) {
  return mutationResponse(request, createAlertDestinationMutation, {});
}
