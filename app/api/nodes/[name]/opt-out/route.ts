import { mutationResponse } from '@/lib/actions/mutation-route';
import { optOutNodeMutation } from '@/lib/actions/opt-out-mutations';

export const dynamic = 'force-dynamic';

/** POST { reason, duration: "2h" } or { reason, until: RFC 3339 }: take the node out of NVSentinel's hands until then (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, optOutNodeMutation, { nodeName: (await params).name });
}
