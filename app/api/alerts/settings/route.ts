import { setAlertSettingsMutation } from '@/lib/actions/alert-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { eventLossWithin: "1h" }: alert when a consumer's oldest unread change would be lost within this (admin). */
export async function POST(request: Request) {
  return mutationResponse(request, setAlertSettingsMutation, {});
}
