import { releaseNodeMutation } from '@/lib/mutations/node-mutations';
import { mutationResponse } from '@/lib/server/mutation-route';

export const dynamic = 'force-dynamic';

/** POST { reason }: release the node's quarantine by hand (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ name: string }> }) {
  return mutationResponse(request, releaseNodeMutation, { nodeName: (await params).name });
}
