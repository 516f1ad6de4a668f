// Retry of a dead-lettered change: the consumer's EventProcessor picks it up and runs its
// handler again (a consumer that is not running picks it up when it starts).
import { z } from 'zod';

import { storeErrorCode } from '@/lib/store';

import { firstIssue, rawField, type Mutation } from './mutation';

const retryInput = z.object({
  id: z.string({ error: 'dead letter id must be text' }).regex(/^[0-9a-zA-Z-]{1,64}$/, 'dead letter id is not valid'),
});

export const retryDeadLetterMutation: Mutation<z.infer<typeof retryInput>> = {
  action: 'dead-letter.retry',
  permission: 'dead-letters:retry',
  parse: (input) => {
    const parsed = retryInput.safeParse(input);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, error: firstIssue(parsed.error.issues, '{ id }') };
  },
  rawTarget: (input) => rawField(input, 'id'),
  target: ({ id }) => `dead-letter/${id}`,
  run: async ({ id }, _actor, context) => {
    const store = await context.store();
    try {
      const letter = await store.deadLetters().requestRetry(id);
      return {
        ok: true,
        message: `Retry requested; ${letter.consumer} will run it again.`,
        before: { status: 'dead', consumer: letter.consumer },
        after: { status: letter.status },
      };
    } catch (error) {
      const code = storeErrorCode(error);
      if (code === 'not-found') return { ok: false, outcome: 'invalid', status: 404, error: (error as Error).message };
      if (code === 'invalid') return { ok: false, outcome: 'invalid', status: 409, error: (error as Error).message };
      throw error;
    }
  },
};
