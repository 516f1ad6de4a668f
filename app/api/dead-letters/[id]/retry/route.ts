import { retryDeadLetterMutation } from '@/lib/actions/dead-letter-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

/** POST: run a dead-lettered change through its consumer again (operator). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return mutationResponse(request, retryDeadLetterMutation, { id: (await params).id });
}
