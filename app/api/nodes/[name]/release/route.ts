import { releaseNodeMutation } from '@/lib/actions/node-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { reason }: release the node's quarantine by hand (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, releaseNodeMutation, { nodeName: (await params).name });
}
