import { resetBreakerMutation } from '@/lib/actions/breaker-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/**
 * POST { mode: "resume" | "create", reason, resourceVersion? }: NVSentinel's circuit-breaker reset (admin).
 * resourceVersion, the circuit-breaker ConfigMap's as last seen: refused (409) if it changed since.
 */
export async function POST(request: Request) {
  return mutationResponse(request, resetBreakerMutation, {});
}
