import { quarantineNodeMutation } from '@/lib/mutations/node-mutations';
import { mutationResponse } from '@/lib/server/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { reason }: request a manual quarantine of the node (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, quarantineNodeMutation, { nodeName: (await params).name });
}
