// Who is acting. Until sign-in lands (issue 7: sessions, roles, audit log) every request acts as
// the local operator; every action already asks here, so sign-in changes this one place.
import 'server-only';

export interface Actor {
  name: string;
  role: 'viewer' | 'operator' | 'admin';
}

export async function currentActor(): Promise<Actor> {
  return { name: process.env.CONSOLE_LOCAL_OPERATOR ?? 'local-operator', role: 'operator' };
}
