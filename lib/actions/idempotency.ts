// Idempotency keys: a change sent twice with the same key by the same user runs once. The
// console's pages send a fresh key with each change an operator asks for (a retry of that same
// request keeps it); scripts may send the `Idempotency-Key` header. A replay, whether a double
// submit, a retry after a timeout or a captured request posted again, is answered with the first
// answer, and the audit log records the replay as refused, naming the first request.
import { createHash } from 'node:crypto';

import type pg from 'pg';

import type { MutationResult } from './mutation';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The input field the pages' server actions carry it in. */
export const IDEMPOTENCY_FIELD = 'idempotencyKey';
const KEY_PATTERN = /^[A-Za-z0-9_-]{16,100}$/;
/** How long a key is remembered. */
const KEPT = '1 day';
/** A first request still "running" after this long died with its process: a retry may take the key over. */
const ABANDONED = '5 minutes';

/** The fingerprint of a change's input: the same key with other values is another change. */
export function inputFingerprint(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value) ?? 'undefined')
    .digest('hex');
}

export type KeyRead = { ok: true; key: string | null; input: unknown } | { ok: false; error: string };

/** The key of a request (header or input field) and the input without it. */
export function readIdempotencyKey(input: unknown, headers: Headers): KeyRead {
  const fromHeader = headers.get(IDEMPOTENCY_HEADER);
  let fromInput: unknown;
  let rest = input;
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && Object.hasOwn(input, IDEMPOTENCY_FIELD)) {
    fromInput = (input as Record<string, unknown>)[IDEMPOTENCY_FIELD];
    rest = Object.fromEntries(Object.entries(input).filter(([name]) => name !== IDEMPOTENCY_FIELD));
  }
  const key = fromHeader ?? fromInput ?? null;
  if (key === null) return { ok: true, key: null, input: rest };
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    return { ok: false, error: 'idempotency key must be 16 to 100 letters, digits, "-" or "_"' };
  if (fromHeader !== null && fromInput !== undefined && fromHeader !== fromInput)
    return { ok: false, error: 'the Idempotency-Key header and the idempotencyKey field differ' };
  return { ok: true, key, input: rest };
}

/** The answer a key keeps: a change's, or a bulk action's (./bulk-node-actions.ts). */
type KeptAnswer = { ok: true } | { ok: false; outcome: string };

export type Claim<R extends KeptAnswer = MutationResult> =
  | { kind: 'first' }
  | { kind: 'replay'; result: R; firstRequestId: string }
  | { kind: 'running'; firstRequestId: string }
  | { kind: 'other-change'; action: string; target: string | null };

/** Claims `key` for this change; or says what the key was already used for. */
export async function claimIdempotencyKey<R extends KeptAnswer = MutationResult>(
  pool: pg.Pool,
  claim: { actorId: string; key: string; action: string; target: string | null; inputHash: string; requestId: string },
): Promise<Claim<R>> {
  await pool.query(`DELETE FROM console_mutation_keys WHERE created_at < now() - interval '${KEPT}'`);
  // A new key is claimed; so is one whose first request was abandoned (no answer after ABANDONED),
  // for the same change only. One statement, so two requests never both claim it.
  const claimed = await pool.query(
    `INSERT INTO console_mutation_keys (actor_id, key, action, target, input_hash, request_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (actor_id, key) DO UPDATE SET request_id = EXCLUDED.request_id, created_at = now()
      WHERE console_mutation_keys.result IS NULL AND console_mutation_keys.created_at < now() - interval '${ABANDONED}'
        AND console_mutation_keys.action = EXCLUDED.action AND console_mutation_keys.target IS NOT DISTINCT FROM EXCLUDED.target
        AND console_mutation_keys.input_hash = EXCLUDED.input_hash`,
    [claim.actorId, claim.key, claim.action, claim.target, claim.inputHash, claim.requestId],
  );
  if (claimed.rowCount === 1) return { kind: 'first' };
  const { rows } = await pool.query<{
    action: string;
    target: string | null;
    input_hash: string;
    request_id: string;
    result: R | null;
  }>(
    'SELECT action, target, input_hash, request_id, result FROM console_mutation_keys WHERE actor_id = $1 AND key = $2',
    [claim.actorId, claim.key],
  );
  const first = rows[0];
  // Gone between the two statements (a day old): the change may run again under a fresh claim.
  if (!first) return claimIdempotencyKey<R>(pool, claim);
  if (first.action !== claim.action || first.target !== claim.target || first.input_hash !== claim.inputHash)
    return { kind: 'other-change', action: first.action, target: first.target };
  return first.result
    ? { kind: 'replay', result: first.result, firstRequestId: first.request_id }
    : { kind: 'running', firstRequestId: first.request_id };
}

/**
 * Keeps the answer a claimed key's change got, for its replays; after an error (the database was
 * down) the key is let go instead, so a retry with it runs the change again.
 */
export async function settleIdempotencyKey(
  pool: pg.Pool,
  actorId: string,
  key: string,
  result: KeptAnswer,
): Promise<void> {
  if (!result.ok && result.outcome === 'error')
    await pool.query('DELETE FROM console_mutation_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
  else
    await pool.query('UPDATE console_mutation_keys SET result = $3 WHERE actor_id = $1 AND key = $2', [
      actorId,
      key,
      JSON.stringify(result),
    ]);
}
