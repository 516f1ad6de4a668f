// Every change goes through here, whatever called it: check the session, the Origin, the role,
// the input, the user's rate and the idempotency key, then run it, and record the attempt in the
// audit log whatever happened (compactly and within a budget for callers not signed in). Server
// actions are public POST endpoints, so none of this can live in the page.
import { tooManyAnonymousAttempts } from '@/lib/audit/anonymous-attempts';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import type { Actor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/roles';
import type { AppContext } from '@/lib/context/app-context';
import { recordAttempt } from '@/lib/audit/record-attempt';
import { checkOrigin, originPolicyFromEnv } from '@/lib/security/origin-check';
import { mutationRateLimitFromEnv } from '@/lib/security/rate-limiter';
import { requestInfo } from '@/lib/security/request-info';
import { SharedRateLimiter } from '@/lib/security/shared-rate-limiter';

import { claimIdempotencyKey, inputFingerprint, readIdempotencyKey, settleIdempotencyKey } from './idempotency';
import { UnreadableBody, type Mutation, type MutationResult } from './mutation';

const holder = globalThis as unknown as { sentinelMutationLimiter?: SharedRateLimiter };
const limiter = () => (holder.sentinelMutationLimiter ??= new SharedRateLimiter('changes', mutationRateLimitFromEnv()));

export async function runMutation<V>(
  context: AppContext,
  mutation: Mutation<V>,
  input: unknown,
  headers: Headers,
): Promise<MutationResult> {
  const request = requestInfo(headers);
  let actor: Actor | null = null;
  /** Appends the attempt's audit row and answers `result`; `audited` records another outcome than the answer's (a replay). */
  const record = async (
    result: MutationResult,
    fields: { target: string | null; reason: string | null; before?: unknown; after?: unknown },
    audited?: { outcome: 'denied'; detail: string },
  ): Promise<MutationResult> => {
    const entry: AuditEntryInput = {
      actor: actor?.name ?? 'anonymous',
      actorRole: actor?.role ?? null,
      action: mutation.action,
      target: fields.target,
      reason: fields.reason,
      stateBefore: fields.before,
      stateAfter: fields.after,
      outcome: audited?.outcome ?? (result.ok ? 'ok' : result.outcome),
      detail: audited?.detail ?? (result.ok ? result.message : result.error),
      ...request,
    };
    // Not signed in: a compact row within the anonymous budget, else 429 (lib/audit/record-attempt.ts).
    const recorded = await recordAttempt(context.consolePool(), entry, actor !== null);
    return recorded.recorded
      ? result
      : { ok: false, outcome: 'denied', status: 429, error: tooManyAnonymousAttempts(recorded.retryAfterMs) };
  };
  const rawTarget = mutation.rawTarget(input instanceof UnreadableBody ? input.fields : input);
  const rawReason =
    !(input instanceof UnreadableBody) &&
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { reason?: unknown }).reason === 'string'
      ? (input as { reason: string }).reason
      : null;
  const refuse = (outcome: 'denied' | 'invalid', status: 400 | 401 | 403 | 429, error: string) =>
    record({ ok: false, outcome, status, error }, { target: rawTarget, reason: rawReason });

  try {
    actor = await context.actor(headers);
  } catch (error) {
    return record(
      { ok: false, outcome: 'error', status: 500, error: `sign-in could not be checked: ${(error as Error).message}` },
      { target: rawTarget, reason: rawReason },
    );
  }
  if (!actor) return refuse('denied', 401, 'sign in first');
  const origin = checkOrigin(headers, originPolicyFromEnv());
  if (!origin.ok) return refuse('denied', 403, `requests from ${origin.origin} are not accepted`);
  if (!can(actor.role, mutation.permission)) return refuse('denied', 403, `your role (${actor.role}) may not do this`);

  // A body the route could not read as JSON (lib/actions/mutation-route.ts) is refused with what was wrong with it.
  if (input instanceof UnreadableBody) return refuse('invalid', 400, input.message);
  const keyRead = readIdempotencyKey(input, headers);
  if (!keyRead.ok) return refuse('invalid', 400, keyRead.error);
  const parsed = mutation.parse(keyRead.input);
  if (!parsed.ok) return refuse('invalid', 400, parsed.error);
  const value = parsed.value;
  const fields = { target: mutation.target(value), reason: mutation.reason?.(value) ?? null };

  // The user's rate, kept in the console database for every replica: a place among this minute's
  // changes is taken here and given back unless the change happens, so only changes that happened
  // count (invalid attempts never got here). Refused while it cannot be checked, as a change whose
  // audit row may not be stored either.
  const actorId = actor.id;
  let taken;
  try {
    taken = await limiter().take(context.consolePool(), actorId);
  } catch (error) {
    return record(
      {
        ok: false,
        outcome: 'error',
        status: 500,
        error: `the rate of changes could not be checked: ${(error as Error).message}`,
      },
      fields,
    );
  }
  if (!taken.taken)
    return record(
      {
        ok: false,
        outcome: 'denied',
        status: 429,
        error: `too many changes; try again in ${Math.ceil(taken.waitMs / 1000)} s`,
      },
      fields,
    );
  const place = taken.place;
  const giveBack = () =>
    limiter()
      .giveBack(context.consolePool(), actorId, place)
      .catch((error: Error) =>
        console.error(
          `[rate limit] a place of user ${actorId} not given back, it counts for a minute: ${error.message}`,
        ),
      );

  const key = keyRead.key;
  if (key) {
    let claim;
    try {
      claim = await claimIdempotencyKey(context.consolePool(), {
        actorId: actor.id,
        key,
        action: mutation.action,
        target: fields.target,
        inputHash: inputFingerprint(value),
        requestId: request.requestId,
      });
    } catch (error) {
      await giveBack();
      return record(
        {
          ok: false,
          outcome: 'error',
          status: 500,
          error: `the idempotency key could not be checked: ${(error as Error).message}`,
        },
        fields,
      );
    }
    // Not run again: a replay, a change still running or another change's key cost no place.
    if (claim.kind !== 'first') await giveBack();
    if (claim.kind === 'replay')
      return record(claim.result, fields, {
        outcome: 'denied',
        detail: `replay of request ${claim.firstRequestId} (same idempotency key): not run again, its answer repeated`,
      });
    if (claim.kind === 'running')
      return record(
        {
          ok: false,
          outcome: 'denied',
          status: 409,
          error: `the same change (idempotency key) is still running as request ${claim.firstRequestId}`,
        },
        fields,
      );
    if (claim.kind === 'other-change')
      return record(
        {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `this idempotency key was used for another change (${claim.action} of ${claim.target ?? 'nothing'}, or other values); use a new key for each change`,
        },
        fields,
      );
  }
  const result = await runAndRecord(context, mutation, value, actor, fields, record, giveBack);
  if (key)
    await settleIdempotencyKey(context.consolePool(), actor.id, key, result).catch((error: Error) =>
      console.error(`[idempotency] answer of request ${request.requestId} not kept: ${error.message}`),
    );
  return result;
}

type Record = (
  result: MutationResult,
  fields: { target: string | null; reason: string | null; before?: unknown; after?: unknown },
) => Promise<MutationResult>;

/** Runs the change and records what happened. */
async function runAndRecord<V>(
  context: AppContext,
  mutation: Mutation<V>,
  value: V,
  actor: Actor,
  fields: { target: string; reason: string | null },
  record: Record,
  giveBack: () => Promise<void>,
): Promise<MutationResult> {
  let outcome;
  try {
    outcome = await mutation.run(value, actor, context);
  } catch (error) {
    // Better Auth refuses with an APIError carrying an HTTP status: a 4xx is the input's fault.
    const status = (error as { statusCode?: number }).statusCode;
    outcome =
      status !== undefined && status >= 400 && status < 500
        ? { ok: false as const, outcome: 'invalid' as const, status: 409 as const, error: (error as Error).message }
        : { ok: false as const, outcome: 'error' as const, status: 500 as const, error: (error as Error).message };
  }
  const target = outcome.target ?? fields.target;
  if (!outcome.ok) await giveBack();
  if (outcome.ok)
    return record(
      { ok: true, message: outcome.message },
      { ...fields, target, before: outcome.before, after: outcome.after },
    );
  return record(
    { ok: false, outcome: outcome.outcome, status: outcome.status, error: outcome.error },
    { ...fields, target, before: outcome.before, after: 'after' in outcome ? outcome.after : undefined },
  );
}
