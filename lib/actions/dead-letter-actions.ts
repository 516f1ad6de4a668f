'use server';
// Dead-letter retry as a server action (the Pipeline page); the HTTP route shares lib/mutations.
import { headers } from 'next/headers';

import { retryDeadLetterMutation } from '@/lib/mutations/dead-letter-mutations';
import type { MutationResult } from '@/lib/mutations/mutation';
import { runMutation } from '@/lib/mutations/run-mutation';

export async function retryDeadLetter(input: unknown): Promise<MutationResult> {
  return runMutation(retryDeadLetterMutation, input, await headers());
}
