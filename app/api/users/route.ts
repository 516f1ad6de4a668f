import { createUserMutation } from '@/lib/actions/user-mutations';
import { readUsers } from '@/lib/queries/users';
import { mutationResponse } from '@/lib/actions/mutation-route';
import { allow } from '@/lib/server/route-guard';
import { appContext } from '@/lib/server/app-context';

export const dynamic = 'force-dynamic';

/** The console's users (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await allow(request, 'users:manage');
  if (!access.ok) return access.response;
  return Response.json({ users: await readUsers(appContext()) }, { headers: { 'Cache-Control': 'no-store' } });
}

/** POST { username, name?, password, role }: a new local account (admin). */
export async function POST(request: Request): Promise<Response> {
  return mutationResponse(request, createUserMutation, {});
}
