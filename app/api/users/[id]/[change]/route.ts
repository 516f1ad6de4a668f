import type { Mutation } from '@/lib/actions/mutation';
import {
  disableUserMutation,
  enableUserMutation,
  setUserPasswordMutation,
  setUserRoleMutation,
  unknownUserChange,
} from '@/lib/actions/user-mutations';
import { mutationResponse } from '@/lib/actions/mutation-route';

export const dynamic = 'force-dynamic';

// POST /api/users/<id>/role { role } · /disable { reason } · /enable · /password { password } (admin)
const CHANGES: Record<string, Mutation<never>> = {
  role: setUserRoleMutation as Mutation<never>,
  disable: disableUserMutation as Mutation<never>,
  enable: enableUserMutation as Mutation<never>,
  password: setUserPasswordMutation as Mutation<never>,
};

export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; change: string }> },
): Promise<Response> {
  const { id, change } = await params;
  const mutation = Object.hasOwn(CHANGES, change) ? CHANGES[change] : unknownUserChange(change, Object.keys(CHANGES));
  return mutationResponse(request, mutation, { userId: id });
}
