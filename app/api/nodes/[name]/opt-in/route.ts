import { mutationResponse } from '@/lib/actions/mutation-route';
import { optInNodeMutation } from '@/lib/actions/opt-out-mutations';

export const dynamic = 'force-dynamic';

/**
 * POST { reason, since? }: put the node back into NVSentinel's hands before its opt-out ends (operator;
 * only the console's own opt-out). since, the opt-out's sentinel-console/opt-out-since as last seen:
 * refused (409) if the node's opt-out is another one now.
 */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, optInNodeMutation, { nodeName: (await params).name });
}
