import { mutationResponse } from '@/lib/actions/mutation-route';
import { optInNodeMutation } from '@/lib/actions/opt-out-mutations';

export const dynamic = 'force-dynamic';

/** POST { reason }: put the node back into NVSentinel's hands before its opt-out ends (operator; only the console's own opt-out). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, optInNodeMutation, { nodeName: (await params).name });
}
