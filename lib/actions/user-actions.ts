'use server';
// User management as server actions (the Users page); the HTTP routes under /api/users share
// lib/mutations/user-mutations.ts.
import { headers } from 'next/headers';

import type { MutationResult } from '@/lib/mutations/mutation';
import { runMutation } from '@/lib/mutations/run-mutation';
import { createUserMutation, disableUserMutation, enableUserMutation, setUserPasswordMutation, setUserRoleMutation } from '@/lib/mutations/user-mutations';

export async function createUser(input: unknown): Promise<MutationResult> {
  return runMutation(createUserMutation, input, await headers());
}

export async function setUserRole(input: unknown): Promise<MutationResult> {
  return runMutation(setUserRoleMutation, input, await headers());
}

export async function disableUser(input: unknown): Promise<MutationResult> {
  return runMutation(disableUserMutation, input, await headers());
}

export async function enableUser(input: unknown): Promise<MutationResult> {
  return runMutation(enableUserMutation, input, await headers());
}

export async function setUserPassword(input: unknown): Promise<MutationResult> {
  return runMutation(setUserPasswordMutation, input, await headers());
}
