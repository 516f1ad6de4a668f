// Every change goes through here, whatever called it: check the session, the Origin, the role,
// the input and the user's rate, then run it, and record the attempt in the audit log whatever
// happened. Server actions are public POST endpoints, so none of this can live in the page.
import 'server-only';

import { recordAudit } from '@/lib/server/audit';
import { can } from '@/lib/auth/roles';
import { actorFrom, type Actor } from '@/lib/server/auth';
import { checkOrigin, originPolicyFromEnv } from '@/lib/security/origin-check';
import { mutationRateLimitFromEnv, RateLimiter } from '@/lib/security/rate-limiter';
import { requestInfo } from '@/lib/security/request-info';

import { anonymousAttempts, compactAnonymousEntry, tooManyAnonymousAttempts } from '@/lib/audit/anonymous-attempts';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';

import { UnreadableBody, type Mutation, type MutationResult } from './mutation';

const holder = globalThis as unknown as { sentinelMutationLimiter?: RateLimiter };
const limiter = () => (holder.sentinelMutationLimiter ??= new RateLimiter(mutationRateLimitFromEnv()));

export async function runMutation<V>(mutation: Mutation<V>, input: unknown, headers: Headers): Promise<MutationResult> {
  const request = requestInfo(headers);
  let actor: Actor | null = null;
  const record = async (result: MutationResult, fields: { target: string | null; reason: string | null; before?: unknown; after?: unknown }): Promise<MutationResult> => {
    const entry: AuditEntryInput = {
      actor: actor?.name ?? 'anonymous',
      actorRole: actor?.role ?? null,
      action: mutation.action,
      target: fields.target,
      reason: fields.reason,
      stateBefore: fields.before,
      stateAfter: fields.after,
      outcome: result.ok ? 'ok' : result.outcome,
      detail: result.ok ? result.message : result.error,
      ...request,
    };
    if (actor) {
      await recordAudit(entry);
      return result;
    }
    // Not signed in: one compact row, within the anonymous budget (lib/audit/anonymous-attempts.ts).
    const admission = anonymousAttempts().admit(request.clientAddress ?? 'unknown');
    if (!admission.record) return { ok: false, outcome: 'denied', status: 429, error: tooManyAnonymousAttempts(admission.retryAfterMs) };
    await recordAudit(compactAnonymousEntry(entry, admission.unrecorded));
    return result;
  };
  const rawTarget = mutation.rawTarget(input instanceof UnreadableBody ? input.fields : input);
  const rawReason = !(input instanceof UnreadableBody) && typeof input === 'object' && input !== null && typeof (input as { reason?: unknown }).reason === 'string' ? (input as { reason: string }).reason : null;
  const refuse = (outcome: 'denied' | 'invalid', status: 400 | 401 | 403 | 429, error: string) =>
    record({ ok: false, outcome, status, error }, { target: rawTarget, reason: rawReason });

  try {
    actor = await actorFrom(headers);
  } catch (error) {
    return record({ ok: false, outcome: 'error', status: 500, error: `sign-in could not be checked: ${(error as Error).message}` }, { target: rawTarget, reason: rawReason });
  }
  if (!actor) return refuse('denied', 401, 'sign in first');
  const origin = checkOrigin(headers, originPolicyFromEnv());
  if (!origin.ok) return refuse('denied', 403, `requests from ${origin.origin} are not accepted`);
  if (!can(actor.role, mutation.permission)) return refuse('denied', 403, `your role (${actor.role}) may not do this`);

  // A body the route could not read as JSON (lib/server/mutation-route.ts) is refused with what was wrong with it.
  if (input instanceof UnreadableBody) return refuse('invalid', 400, input.message);
  const parsed = mutation.parse(input);
  if (!parsed.ok) return refuse('invalid', 400, parsed.error);
  const value = parsed.value;
  const fields = { target: mutation.target(value), reason: mutation.reason?.(value) ?? null };

  // Only changes that happened count against the rate (below); invalid attempts cost nothing.
  const waitMs = limiter().waitMs(actor.id);
  if (waitMs > 0) return record({ ok: false, outcome: 'denied', status: 429, error: `too many changes; try again in ${Math.ceil(waitMs / 1000)} s` }, fields);

  let outcome;
  try {
    outcome = await mutation.run(value, actor);
  } catch (error) {
    // Better Auth refuses with an APIError carrying an HTTP status: a 4xx is the input's fault.
    const status = (error as { statusCode?: number }).statusCode;
    outcome = status !== undefined && status >= 400 && status < 500
      ? { ok: false as const, outcome: 'invalid' as const, status: 409 as const, error: (error as Error).message }
      : { ok: false as const, outcome: 'error' as const, status: 500 as const, error: (error as Error).message };
  }
  const target = outcome.target ?? fields.target;
  if (outcome.ok) limiter().record(actor.id);
  if (outcome.ok) return record({ ok: true, message: outcome.message }, { ...fields, target, before: outcome.before, after: outcome.after });
  return record({ ok: false, outcome: outcome.outcome, status: outcome.status, error: outcome.error }, { ...fields, target, before: outcome.before });
}
