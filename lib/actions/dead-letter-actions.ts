'use server';
// Retry of a dead-lettered change: the consumer's EventProcessor picks it up and runs its
// handler again (a consumer that is not running picks it up when it starts).
import { z } from 'zod';

import { currentActor } from '@/lib/server/actor';
import { getDataStore } from '@/lib/server/datastore';

import type { NodeActionResult } from './node-action-input';

const retryInput = z.object({ id: z.string().regex(/^[0-9a-zA-Z-]{1,64}$/, 'dead letter id is not valid') });

export async function retryDeadLetter(input: unknown): Promise<NodeActionResult> {
  await currentActor();
  const parsed = retryInput.safeParse(input);
  if (!parsed.success) return { ok: false, outcome: 'invalid', error: parsed.error.issues[0].message };
  try {
    const store = await getDataStore();
    const letter = await store.deadLetters().requestRetry(parsed.data.id);
    return { ok: true, message: `Retry requested; ${letter.consumer} will run it again.` };
  } catch (error) {
    return { ok: false, outcome: 'invalid', error: (error as Error).message };
  }
}
