import { quarantineNodeMutation } from '@/lib/actions/node-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { reason }: request a manual quarantine of the node (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, quarantineNodeMutation, { nodeName: (await params).name });
}
