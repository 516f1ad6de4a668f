// What an admin sends to reset NVSentinel's circuit breaker: how fault-quarantine starts again and
// why. The two modes are the runbook's two options (docs/runbooks/circuit-breaker.md:78-98 at
// NVSentinel 42672ae): `resume` writes cursor RESUME (process the events that waited), `create` writes
// cursor CREATE (skip them, start from now). `resourceVersion`, the circuit-breaker ConfigMap's as
// the page showed it, makes the reset refuse a breaker that changed since (tripped again); the pages
// always send it, a script may leave it out.
import { z } from 'zod';

import type { BreakerCursor } from '@/lib/cluster/breaker-reset';

import { firstIssue, type Parsed } from './mutation';
import { reasonText } from './reason-text';

const MODES = ['resume', 'create'] as const;

const breakerResetInput = z.strictObject(
  {
    mode: z.enum(MODES, {
      error: (issue) =>
        issue.input === undefined
          ? 'mode is required: "resume" (process the waiting events) or "create" (skip them, start from now)'
          : 'mode must be "resume" (process the waiting events) or "create" (skip them, start from now)',
    }),
    reason: reasonText,
    resourceVersion: z
      .string({ error: "resourceVersion must be text: the circuit-breaker ConfigMap's resourceVersion as you saw it" })
      .trim()
      .min(1, 'resourceVersion must not be empty')
      .max(64, 'resourceVersion must be at most 64 characters')
      .optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : undefined) },
);

export type BreakerResetInput = z.infer<typeof breakerResetInput>;

/** The ConfigMap's cursor for a mode. */
export const cursorOf = (mode: BreakerResetInput['mode']): BreakerCursor => (mode === 'resume' ? 'RESUME' : 'CREATE');

/** Parses raw input; the error names the first thing wrong. */
export function parseBreakerReset(input: unknown): Parsed<BreakerResetInput> {
  const parsed = breakerResetInput.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, '{ mode, reason }') };
}
