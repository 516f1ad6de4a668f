'use server';
// Quarantine and release as server actions (the Node page's dialog). The checks, the work and the
// audit record are in lib/mutations, shared with the HTTP routes under /api/nodes/<name>/.
import { headers } from 'next/headers';

import type { MutationResult } from '@/lib/mutations/mutation';
import { quarantineNodeMutation, releaseNodeMutation } from '@/lib/mutations/node-mutations';
import { runMutation } from '@/lib/mutations/run-mutation';

export async function quarantineNode(input: unknown): Promise<MutationResult> {
  return runMutation(quarantineNodeMutation, input, await headers());
}

export async function releaseNode(input: unknown): Promise<MutationResult> {
  return runMutation(releaseNodeMutation, input, await headers());
}
