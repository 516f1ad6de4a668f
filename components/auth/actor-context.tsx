'use client';
// The signed-in user, for showing only what their role may do. The server checks every action
// again (lib/actions/run-mutation.ts); hiding a button is a courtesy, not the control.
import { createContext, useContext, type ReactNode } from 'react';

import { can, type Permission, type Role } from '@/lib/auth/roles';

export interface SignedInUser {
  name: string;
  displayName: string;
  role: Role;
}

const ActorContext = createContext<SignedInUser | null>(null);

export function ActorProvider({ actor, children }: { actor: SignedInUser; children: ReactNode }) {
  return <ActorContext.Provider value={actor}>{children}</ActorContext.Provider>;
}

export function useActor(): SignedInUser | null {
  return useContext(ActorContext);
}

/** Whether the signed-in user's role grants `permission`. */
export function useCan(permission: Permission): boolean {
  const actor = useContext(ActorContext);
  return can(actor?.role, permission);
}
