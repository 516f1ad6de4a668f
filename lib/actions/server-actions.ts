'use server';
// Every change as a server action: the pages' buttons and dialogs call these. Each runs the same
// mutation as its HTTP route (./mutation-route.ts) through ./run-mutation.ts, which checks the
// session, origin, role and input and writes the audit record; nothing else is a way in.
import { headers } from 'next/headers';

import { appContext } from '@/lib/server/app-context';

import { resetBreakerMutation } from './breaker-mutations';
import { runBulkNodeAction, type BulkNodeResult } from './bulk-node-actions';
import { retryDeadLetterMutation } from './dead-letter-mutations';
import type { Mutation, MutationResult } from './mutation';
import { quarantineNodeMutation, releaseNodeMutation } from './node-mutations';
import { optInNodeMutation, optOutNodeMutation } from './opt-out-mutations';
import { runMutation } from './run-mutation';
import {
  createUserMutation,
  disableUserMutation,
  enableUserMutation,
  setUserPasswordMutation,
  setUserRoleMutation,
} from './user-mutations';

async function run<V>(mutation: Mutation<V>, input: unknown): Promise<MutationResult> {
  return runMutation(appContext(), mutation, input, await headers());
}

/** The Node page's dialog. */
export async function quarantineNode(input: unknown): Promise<MutationResult> {
  return run(quarantineNodeMutation, input);
}

export async function releaseNode(input: unknown): Promise<MutationResult> {
  return run(releaseNodeMutation, input);
}

/** The Nodes page's bulk bar: { nodes, reason, dryRun }, each node as its own quarantine or release. */
export async function bulkQuarantineNodes(input: unknown): Promise<BulkNodeResult> {
  return runBulkNodeAction(appContext(), 'quarantine', input, await headers());
}

export async function bulkReleaseNodes(input: unknown): Promise<BulkNodeResult> {
  return runBulkNodeAction(appContext(), 'release', input, await headers());
}

/** The node page's maintenance opt-out: take the node out of NVSentinel's hands until a time, or put it back now. */
export async function optOutNode(input: unknown): Promise<MutationResult> {
  return run(optOutNodeMutation, input);
}

export async function optInNode(input: unknown): Promise<MutationResult> {
  return run(optInNodeMutation, input);
}

/** The Pipeline page's dead letters. */
export async function retryDeadLetter(input: unknown): Promise<MutationResult> {
  return run(retryDeadLetterMutation, input);
}

/** The Pipeline page's circuit breaker (admins): NVSentinel's runbook reset. */
export async function resetBreaker(input: unknown): Promise<MutationResult> {
  return run(resetBreakerMutation, input);
}

/** The Users page. */
export async function createUser(input: unknown): Promise<MutationResult> {
  return run(createUserMutation, input);
}

export async function setUserRole(input: unknown): Promise<MutationResult> {
  return run(setUserRoleMutation, input);
}

export async function disableUser(input: unknown): Promise<MutationResult> {
  return run(disableUserMutation, input);
}

export async function enableUser(input: unknown): Promise<MutationResult> {
  return run(enableUserMutation, input);
}

export async function setUserPassword(input: unknown): Promise<MutationResult> {
  return run(setUserPasswordMutation, input);
}
