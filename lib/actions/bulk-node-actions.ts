// Quarantine or release many nodes at once: the nodes by name, or every node a Nodes page filter
// matches (at most BULK_NODE_CAP). The request as a whole is checked first (session, Origin, role,
// input, the idempotency key, the cap, the user's rate); a request refused there is one audit row
// under node.bulk-quarantine or node.bulk-release. Then each node goes through the single-node
// mutation (./run-mutation.ts with ./node-mutations.ts), one after the other: the same checks, the
// same answer and exactly one audit row per node, as if each had been asked alone; the rows of one
// bulk action share its request id. A dry run (dryRun: true) answers the plan (./bulk-node-plan.ts)
// and writes nothing, not even an audit row, refused or not: it changes nothing.
// The idempotency key is claimed for the request as sent (names or filter), before the filter is
// resolved, so a retry gets its first answer even once that first run changed what the filter matches.
import { tooManyAnonymousAttempts } from '@/lib/audit/anonymous-attempts';
import { recordAttempt } from '@/lib/audit/record-attempt';
import type { Actor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/roles';
import type { AppContext } from '@/lib/context/app-context';
import { readNodeList } from '@/lib/queries/nodes';
import { checkOrigin, originPolicyFromEnv } from '@/lib/security/origin-check';
import { mutationRateLimitFromEnv } from '@/lib/security/rate-limiter';
import { requestInfo } from '@/lib/security/request-info';

import { BULK_NODE_CAP, parseBulkNodeAction, type BulkNodeTarget } from './bulk-node-input';
import { planBulkNodeAction, type BulkNodePlan, type BulkOperation } from './bulk-node-plan';
import {
  claimIdempotencyKey,
  IDEMPOTENCY_HEADER,
  inputFingerprint,
  readIdempotencyKey,
  settleIdempotencyKey,
} from './idempotency';
import { UnreadableBody, type MutationResult } from './mutation';
import { quarantineNodeMutation, releaseNodeMutation } from './node-mutations';
import { runMutation } from './run-mutation';

type Refusal = Extract<MutationResult, { ok: false }>;

/** What one node's action answered, as the single action would have. */
export type BulkNodeOutcome = { name: string } & MutationResult;

export type BulkNodeResult =
  | ({ ok: true; dryRun: true } & BulkNodePlan)
  | { ok: true; dryRun: false; operation: BulkOperation; results: BulkNodeOutcome[]; done: number; refused: number }
  | Refusal;

const MUTATIONS = { quarantine: quarantineNodeMutation, release: releaseNodeMutation };

/** The nodes a target names: its list, or every node its filter matches now (worst first); or why not. */
async function resolveNames(
  context: AppContext,
  target: BulkNodeTarget,
): Promise<{ ok: true; names: string[] } | { ok: false; error: string }> {
  if (target.kind === 'nodes') return { ok: true, names: target.names };
  const list = await readNodeList(context, target.filter, { page: 0, pageSize: BULK_NODE_CAP });
  const shown = target.search ? `"${target.search}"` : '(no filter: every node)';
  if (list.matching === 0) return { ok: false, error: `the filter ${shown} matches no node` };
  if (list.matching > BULK_NODE_CAP)
    return {
      ok: false,
      error: `the filter ${shown} matches ${list.matching} nodes; a bulk action takes at most ${BULK_NODE_CAP}: narrow the filter`,
    };
  return { ok: true, names: list.nodes.map((view) => view.name) };
}

/** A list of nodes as an audit target: how many, and the first 20 names. */
function namesTarget(names: string[]): string {
  return `${names.length} node${names.length === 1 ? '' : 's'}: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`;
}

/** The audit target of a refused bulk request: its node list (cut) or its filter. */
function rawBulkTarget(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const { nodes, filter } = input as { nodes?: unknown; filter?: unknown };
  if (Array.isArray(nodes)) {
    const text = nodes.map((node) => (typeof node === 'string' ? node : JSON.stringify(node))).join(', ');
    return `nodes: ${text.length > 300 ? `${text.slice(0, 300)}… (${nodes.length} in all)` : text}`;
  }
  if (typeof filter === 'string') return `filter: ${filter.slice(0, 300)}`;
  return null;
}

export async function runBulkNodeAction(
  context: AppContext,
  operation: BulkOperation,
  input: unknown,
  headers: Headers,
): Promise<BulkNodeResult> {
  const mutation = MUTATIONS[operation];
  const action = `node.bulk-${operation}`;
  const request = requestInfo(headers);
  const raw = input instanceof UnreadableBody ? null : input;
  const dryRun = typeof raw === 'object' && raw !== null && (raw as { dryRun?: unknown }).dryRun === true;
  const rawReason =
    typeof (raw as { reason?: unknown } | null)?.reason === 'string' ? (raw as { reason: string }).reason : null;
  let actor: Actor | null = null;
  /** A refusal of the whole request: one audit row (none for a dry run, which changes nothing). */
  const refuse = async (
    result: Refusal,
    audited: { target?: string | null; outcome?: 'denied'; detail?: string } = {},
  ): Promise<BulkNodeResult> => {
    if (dryRun) return result;
    const recorded = await recordAttempt(
      context.consolePool(),
      {
        actor: actor?.name ?? 'anonymous',
        actorRole: actor?.role ?? null,
        action,
        target: audited.target === undefined ? rawBulkTarget(raw) : audited.target,
        reason: rawReason,
        stateBefore: undefined,
        stateAfter: undefined,
        outcome: audited.outcome ?? result.outcome,
        detail: audited.detail ?? result.error,
        ...request,
      },
      actor !== null,
    );
    return recorded.recorded
      ? result
      : { ok: false, outcome: 'denied', status: 429, error: tooManyAnonymousAttempts(recorded.retryAfterMs) };
  };
  const refusal = (outcome: Refusal['outcome'], status: Refusal['status'], error: string) =>
    refuse({ ok: false, outcome, status, error });

  try {
    actor = await context.actor(headers);
  } catch (error) {
    return refusal('error', 500, `sign-in could not be checked: ${(error as Error).message}`);
  }
  if (!actor) return refusal('denied', 401, 'sign in first');
  const origin = checkOrigin(headers, originPolicyFromEnv());
  if (!origin.ok) return refusal('denied', 403, `requests from ${origin.origin} are not accepted`);
  if (!can(actor.role, mutation.permission)) return refusal('denied', 403, `your role (${actor.role}) may not do this`);
  if (input instanceof UnreadableBody) return refusal('invalid', 400, input.message);
  const keyRead = readIdempotencyKey(input, headers);
  if (!keyRead.ok) return refusal('invalid', 400, keyRead.error);
  const parsed = parseBulkNodeAction(keyRead.input);
  if (!parsed.ok) return refusal('invalid', 400, parsed.error);
  const { target, reason } = parsed.value;

  const rateLimit = mutationRateLimitFromEnv();
  /** The nodes the target names now and the plan for them, or the refusal of the whole request. */
  const resolveAndPlan = async (): Promise<
    { ok: true; names: string[]; plan: BulkNodePlan } | { ok: false; refusal: Refusal }
  > => {
    try {
      const resolved = await resolveNames(context, target);
      if (!resolved.ok)
        return { ok: false, refusal: { ok: false, outcome: 'invalid', status: 400, error: resolved.error } };
      return {
        ok: true,
        names: resolved.names,
        plan: await planBulkNodeAction(context, operation, resolved.names, rateLimit),
      };
    } catch (error) {
      return {
        ok: false,
        refusal: {
          ok: false,
          outcome: 'error',
          status: 500,
          error: `the nodes could not be read: ${(error as Error).message}`,
        },
      };
    }
  };
  if (parsed.value.dryRun) {
    const planned = await resolveAndPlan();
    return planned.ok ? { ok: true, dryRun: true, ...planned.plan } : refuse(planned.refusal);
  }

  // The key is claimed for the request as sent (its node list, or its filter), before the filter is
  // resolved: a retry of a filter's request after its first run changed the nodes it matches is
  // still the same request, and gets the first answer.
  const sentTarget =
    target.kind === 'nodes' ? namesTarget(target.names) : `filter: ${target.search || '(no filter: every node)'}`;
  const key = keyRead.key;
  if (key) {
    let claim;
    try {
      claim = await claimIdempotencyKey<BulkNodeResult>(context.consolePool(), {
        actorId: actor.id,
        key,
        action,
        target: sentTarget,
        inputHash: inputFingerprint(
          target.kind === 'nodes' ? { names: target.names, reason } : { filter: target.search, reason },
        ),
        requestId: request.requestId,
      });
    } catch (error) {
      return refusal('error', 500, `the idempotency key could not be checked: ${(error as Error).message}`);
    }
    if (claim.kind === 'replay') {
      await refuse(
        { ok: false, outcome: 'denied', status: 409, error: '' },
        {
          target: sentTarget,
          outcome: 'denied',
          detail: `replay of request ${claim.firstRequestId} (same idempotency key): not run again, its answer repeated`,
        },
      );
      return claim.result;
    }
    if (claim.kind === 'running')
      return refusal(
        'denied',
        409,
        `the same bulk action (idempotency key) is still running as request ${claim.firstRequestId}`,
      );
    if (claim.kind === 'other-change')
      return refusal(
        'invalid',
        409,
        `this idempotency key was used for another change (${claim.action} of ${claim.target ?? 'nothing'}, or other values); use a new key for each change`,
      );
  }
  /** The answer, kept for the key's replays (an error lets the key go, so a retry runs again). */
  const settle = async (result: BulkNodeResult): Promise<BulkNodeResult> => {
    if (key)
      await settleIdempotencyKey(context.consolePool(), actor.id, key, result).catch((error: Error) =>
        console.error(`[idempotency] answer of request ${request.requestId} not kept: ${error.message}`),
      );
    return result;
  };

  const planned = await resolveAndPlan();
  if (!planned.ok) return settle(await refuse(planned.refusal));
  const { names, plan } = planned;
  // Each node acted on is one of the user's changes a minute: more than the limit can never all pass.
  if (plan.act.length > rateLimit)
    return settle(
      await refusal(
        'invalid',
        400,
        `this would change ${plan.act.length} nodes, more than the ${rateLimit} changes a minute a user may make (CONSOLE_MUTATION_RATE_LIMIT); select at most ${rateLimit}`,
      ),
    );

  // Each node alone, as its own request would be; the bulk's key is not the nodes' key.
  const nodeHeaders = new Headers(headers);
  nodeHeaders.delete(IDEMPOTENCY_HEADER);
  const results: BulkNodeOutcome[] = [];
  for (const nodeName of names)
    results.push({ name: nodeName, ...(await runMutation(context, mutation, { nodeName, reason }, nodeHeaders)) });
  const done = results.filter((result) => result.ok).length;
  const result: BulkNodeResult = {
    ok: true,
    dryRun: false,
    operation,
    results,
    done,
    refused: results.length - done,
  };
  return settle(result);
}
