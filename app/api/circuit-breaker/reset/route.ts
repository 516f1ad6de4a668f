import { resetBreakerMutation } from '@/lib/actions/breaker-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { mode: "resume" | "create", reason }: NVSentinel's circuit-breaker reset (admin). */
export async function POST(request: Request) {
  return mutationResponse(request, resetBreakerMutation, {});
}
