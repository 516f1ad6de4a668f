// The mutation runner's order of checks and its audit record, without a database or a session
// store: who is signed in, the Origin verdict, the audit log, the idempotency table and the rate
// limit's table (a place per change, given back when the change did not happen; the real one is in
// tests/integration/app/shared-rate-limiter.test.ts) are stand-ins; roles, the anonymous budget,
// reading the key and the runner are the real ones.
//
// Survivors StrykerJS leaves here, equivalent: in `rawReason`, dropping `!(input instanceof
// UnreadableBody)` (or making its `&&` an `||`) changes nothing, since an UnreadableBody has no
// `reason` field to read.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Mutation, MutationOutcome, Parsed } from '@/lib/actions/mutation';
import type { SharedRateLimiter, Taken } from '@/lib/security/shared-rate-limiter';
import type { Actor } from '@/lib/auth/actor';
import type { AppContext } from '@/lib/context/app-context';

const stand = vi.hoisted(() => ({
  actor: null as unknown,
  actorError: null as Error | null,
  origin: { ok: true } as { ok: true } | { ok: false; origin: string },
  audit: [] as Record<string, unknown>[],
  clientAddress: '10.0.0.7' as string | null,
  claims: [] as unknown[],
  claim: { kind: 'first' } as unknown,
  claimError: null as Error | null,
  settled: [] as unknown[],
  settleError: null as Error | null,
}));

// The audit log's append is the stand-in; the recording around it (lib/audit/record-attempt.ts:
// the anonymous budget and compact rows) is the real one.
vi.mock('@/lib/audit/audit-log', () => ({
  appendAudit: async (_pool: unknown, entry: Record<string, unknown>) => void stand.audit.push(entry),
}));
vi.mock('@/lib/security/origin-check', () => ({ originPolicyFromEnv: () => ({}), checkOrigin: () => stand.origin }));
vi.mock('@/lib/security/request-info', () => ({
  requestInfo: () => ({ requestId: 'request-1', clientAddress: stand.clientAddress }),
}));
vi.mock('@/lib/actions/idempotency', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/lib/actions/idempotency')>()),
  claimIdempotencyKey: async (pool: unknown, claim: unknown) => {
    stand.claims.push([pool, claim]);
    if (stand.claimError) throw stand.claimError;
    return stand.claim;
  },
  settleIdempotencyKey: async (...args: unknown[]) => {
    stand.settled.push(args);
    if (stand.settleError) throw stand.settleError;
  },
}));

const { runMutation: runIn } = await import('@/lib/actions/run-mutation');

// Who is signed in and the console database are the context's: stand-ins here.
const context = {
  consolePool: () => 'console-pool',
  actor: async () => {
    if (stand.actorError) throw stand.actorError;
    return stand.actor;
  },
} as unknown as AppContext;
const runMutation: (
  ...args: Parameters<typeof runIn> extends [AppContext, ...infer Rest] ? Rest : never
) => ReturnType<typeof runIn> = (mutation, input, headers) => runIn(context, mutation, input, headers);
const { UnreadableBody } = await import('@/lib/actions/mutation');
const { inputFingerprint } = await import('@/lib/actions/idempotency');
const { anonymousAttempts } = await import('@/lib/audit/anonymous-attempts');

const operator: Actor = { id: 'user-1', name: 'olga', displayName: 'Olga', role: 'operator' };
const viewer: Actor = { id: 'user-2', name: 'victor', displayName: 'Victor', role: 'viewer' };
const holder = globalThis as unknown as { sentinelMutationLimiter?: SharedRateLimiter };

/** The change limit on a stand-in table: `limit` places per user for a minute of Date.now(). */
function changeLimit(limit: number) {
  const places = new Map<string, number[]>();
  const calls: unknown[][] = [];
  const limiter = {
    calls,
    /** The places `key` holds now. */
    held: (key: string) => (places.get(key) ?? []).filter((at) => at > Date.now() - 60_000).length,
    async take(db: unknown, key: string): Promise<Taken> {
      calls.push(['take', db, key]);
      const now = Date.now();
      const held = (places.get(key) ?? []).filter((at) => at > now - 60_000);
      if (held.length >= limit) return { taken: false, waitMs: held[0] + 60_000 - now };
      places.set(key, [...held, now]);
      return { taken: true, place: String(now) };
    },
    async giveBack(db: unknown, key: string, place: string): Promise<void> {
      calls.push(['giveBack', db, key, place]);
      const held = places.get(key) ?? [];
      held.splice(held.indexOf(Number(place)), 1);
    },
  };
  holder.sentinelMutationLimiter = limiter as unknown as SharedRateLimiter;
  return limiter;
}

interface Input {
  node: string;
  reason: string;
}

/** A quarantine-like change; `run` is what the test makes it do. */
function mutation(run: (value: Input, actor: Actor) => Promise<MutationOutcome>): Mutation<Input> & { runs: Input[] } {
  const runs: Input[] = [];
  return {
    runs,
    action: 'node.quarantine',
    permission: 'nodes:quarantine',
    parse: (input: unknown): Parsed<Input> => {
      const value = input as Partial<Input> | null;
      return typeof value?.node === 'string' &&
        value.node === value.node.toLowerCase() &&
        typeof value.reason === 'string'
        ? { ok: true, value: { node: value.node, reason: value.reason.trim() } }
        : { ok: false, error: 'node name must be lowercase' };
    },
    rawTarget: (input) =>
      typeof (input as Partial<Input> | null)?.node === 'string' ? `node/${(input as Input).node}` : null,
    target: (value) => `node/${value.node}`,
    reason: (value) => value.reason,
    run: async (value, actor) => {
      runs.push(value);
      return run(value, actor);
    },
  };
}

const succeeds = () =>
  mutation(async () => ({
    ok: true,
    message: 'quarantined',
    before: { state: 'healthy' },
    after: { state: 'quarantined' },
  }));
const headers = new Headers();

beforeEach(() => {
  stand.actor = operator;
  stand.actorError = null;
  stand.origin = { ok: true };
  stand.audit = [];
  stand.clientAddress = '10.0.0.7';
  stand.claims = [];
  stand.claim = { kind: 'first' };
  stand.claimError = null;
  stand.settled = [];
  stand.settleError = null;
  changeLimit(2);
});

const holderLimit = () => holder.sentinelMutationLimiter as unknown as ReturnType<typeof changeLimit>;

afterEach(() => {
  delete holder.sentinelMutationLimiter;
});

describe('running a change', () => {
  it('runs a valid change of a permitted user and records it with actor, target, reason, states and request', async () => {
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: '  fan failure ' }, headers)).toEqual({
      ok: true,
      message: 'quarantined',
    });
    expect(change.runs).toEqual([{ node: 'gpu-1', reason: 'fan failure' }]);
    expect(stand.audit).toEqual([
      {
        actor: 'olga',
        actorRole: 'operator',
        action: 'node.quarantine',
        target: 'node/gpu-1',
        reason: 'fan failure',
        stateBefore: { state: 'healthy' },
        stateAfter: { state: 'quarantined' },
        outcome: 'ok',
        detail: 'quarantined',
        requestId: 'request-1',
        clientAddress: '10.0.0.7',
      },
    ]);
  });

  it('records the readable target the change found while running', async () => {
    const change = mutation(async () => ({ ok: true, message: 'done', target: 'user/olga' }));
    await runMutation(change, { node: 'gpu-1', reason: 'why' }, headers);
    expect(stand.audit[0]).toMatchObject({ target: 'user/olga' });
  });

  it('refuses a caller who is not signed in (401), recording the raw target and reason as anonymous', async () => {
    stand.actor = null;
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, headers)).toEqual({
      ok: false,
      outcome: 'denied',
      status: 401,
      error: 'sign in first',
    });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([
      expect.objectContaining({
        actor: 'anonymous',
        actorRole: null,
        outcome: 'denied',
        detail: 'sign in first',
        target: 'node/gpu-1',
        reason: 'fan',
        stateBefore: undefined,
        stateAfter: undefined,
      }),
    ]);
  });

  it('answers 500 and records an error when the session cannot be checked', async () => {
    stand.actorError = new Error('database down');
    const result = await runMutation(succeeds(), { node: 'gpu-1', reason: 'fan' }, headers);
    expect(result).toEqual({
      ok: false,
      outcome: 'error',
      status: 500,
      error: 'sign-in could not be checked: database down',
    });
    expect(stand.audit).toEqual([
      expect.objectContaining({
        actor: 'anonymous',
        outcome: 'error',
        detail: 'sign-in could not be checked: database down',
        target: 'node/gpu-1',
      }),
    ]);
  });

  it('refuses a request from another origin (403) before the role or the input is looked at', async () => {
    stand.origin = { ok: false, origin: 'https://evil.example' };
    stand.actor = viewer;
    const result = await runMutation(succeeds(), { node: 'GPU', reason: 'fan' }, headers);
    expect(result).toEqual({
      ok: false,
      outcome: 'denied',
      status: 403,
      error: 'requests from https://evil.example are not accepted',
    });
    expect(stand.audit).toEqual([expect.objectContaining({ actor: 'victor', actorRole: 'viewer', outcome: 'denied' })]);
  });

  it('refuses a role without the permission (403) before parsing the input', async () => {
    stand.actor = viewer;
    const change = succeeds();
    expect(await runMutation(change, { node: 'GPU', reason: 'fan' }, headers)).toEqual({
      ok: false,
      outcome: 'denied',
      status: 403,
      error: 'your role (viewer) may not do this',
    });
    expect(change.runs).toEqual([]);
  });

  it('refuses invalid input (400) naming the problem, with the raw target; a reason that is not text is not recorded', async () => {
    const change = succeeds();
    expect(await runMutation(change, { node: 'GPU-1', reason: 42 }, headers)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'node name must be lowercase',
    });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([
      expect.objectContaining({ actor: 'olga', outcome: 'invalid', target: 'node/GPU-1', reason: null }),
    ]);
    await runMutation(change, null, headers);
    expect(stand.audit[1]).toMatchObject({ outcome: 'invalid', target: null, reason: null });
  });

  it('counts only changes that happened against the rate, and refuses (429) with the seconds to wait', async () => {
    const change = succeeds();
    // Invalid attempts and failed runs cost nothing.
    await runMutation(change, { node: 'BAD', reason: 'x' }, headers);
    await runMutation(
      mutation(async () => ({ ok: false, outcome: 'error', status: 500, error: 'boom' })),
      { node: 'gpu-1', reason: 'x' },
      headers,
    );
    expect((await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).ok).toBe(true);
    expect((await runMutation(change, { node: 'gpu-2', reason: 'y' }, headers)).ok).toBe(true);
    const refused = await runMutation(change, { node: 'gpu-3', reason: 'z' }, headers);
    // The first counted change was a moment ago: a minute's wait, give or take the moment.
    expect(refused).toEqual({
      ok: false,
      outcome: 'denied',
      status: 429,
      error: expect.stringMatching(/^too many changes; try again in (60|59) s$/),
    });
    expect(change.runs.map((value) => value.node)).toEqual(['gpu-1', 'gpu-2']);
    // Recorded with the parsed target and reason.
    expect(stand.audit.at(-1)).toMatchObject({
      outcome: 'denied',
      target: 'node/gpu-3',
      reason: 'z',
      detail: (refused as { error: string }).error,
    });
    // Another user has a rate of their own.
    stand.actor = { ...operator, id: 'user-3', name: 'otto' };
    expect((await runMutation(change, { node: 'gpu-4', reason: 'w' }, headers)).ok).toBe(true);
  });

  it('rounds the wait up to whole seconds', async () => {
    holder.sentinelMutationLimiter = {
      take: async () => ({ taken: false, waitMs: 1_001 }),
    } as unknown as SharedRateLimiter;
    expect(await runMutation(succeeds(), { node: 'gpu-1', reason: 'x' }, headers)).toMatchObject({
      status: 429,
      error: 'too many changes; try again in 2 s',
    });
  });

  it('reports a refused run as the run says, recording the state before', async () => {
    const change = mutation(async () => ({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error: 'already quarantined',
      before: { state: 'quarantined' },
    }));
    expect(await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error: 'already quarantined',
    });
    expect(stand.audit).toEqual([
      expect.objectContaining({
        outcome: 'invalid',
        detail: 'already quarantined',
        stateBefore: { state: 'quarantined' },
        stateAfter: undefined,
        target: 'node/gpu-1',
        reason: 'x',
      }),
    ]);
  });

  it.each([
    [400, 'invalid', 409],
    [404, 'invalid', 409],
    [499, 'invalid', 409],
    [500, 'error', 500],
    [399, 'error', 500],
    [undefined, 'error', 500],
  ])('a run that throws with HTTP status %s is %s (%s)', async (statusCode, outcome, status) => {
    const change = mutation(async () => {
      throw Object.assign(new Error('refused by Better Auth'), { statusCode });
    });
    expect(await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).toEqual({
      ok: false,
      outcome,
      status,
      error: 'refused by Better Auth',
    });
    expect(stand.audit).toEqual([
      expect.objectContaining({ outcome, detail: 'refused by Better Auth', target: 'node/gpu-1' }),
    ]);
  });

  it('a run that throws does not count against the rate', async () => {
    const throws = mutation(async () => {
      throw new Error('boom');
    });
    for (let i = 0; i < 3; i += 1) await runMutation(throws, { node: 'gpu-1', reason: 'x' }, headers);
    expect((await runMutation(succeeds(), { node: 'gpu-1', reason: 'x' }, headers)).ok).toBe(true);
  });

  it("takes the user's place in the console database's limit, and gives it back when the change did not happen", async () => {
    const limit = changeLimit(2);
    await runMutation(
      mutation(async () => ({ ok: false, outcome: 'invalid', status: 409, error: 'already quarantined' })),
      { node: 'gpu-1', reason: 'x' },
      headers,
    );
    expect(limit.calls).toEqual([
      ['take', 'console-pool', 'user-1'],
      ['giveBack', 'console-pool', 'user-1', expect.any(String)],
    ]);
    expect(limit.held('user-1')).toBe(0);
    await runMutation(succeeds(), { node: 'gpu-1', reason: 'x' }, headers);
    expect(limit.held('user-1')).toBe(1);
  });

  it('refuses the change (500, recorded) while the rate cannot be checked, running nothing', async () => {
    holder.sentinelMutationLimiter = {
      take: async () => {
        throw new Error('console database away');
      },
    } as unknown as SharedRateLimiter;
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, headers)).toEqual({
      ok: false,
      outcome: 'error',
      status: 500,
      error: 'the rate of changes could not be checked: console database away',
    });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([
      expect.objectContaining({ outcome: 'error', target: 'node/gpu-1', reason: 'fan', actor: 'olga' }),
    ]);
  });

  it('still answers a failed change when its place cannot be given back, and says so in the log', async () => {
    const limit = changeLimit(2);
    limit.giveBack = async () => {
      throw new Error('console database away');
    };
    const logged: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    expect(
      await runMutation(
        mutation(async () => ({ ok: false, outcome: 'error', status: 500, error: 'boom' })),
        { node: 'gpu-1', reason: 'x' },
        headers,
      ),
    ).toMatchObject({ ok: false, error: 'boom' });
    expect(logged).toEqual([
      ['[rate limit] a place of user user-1 not given back, it counts for a minute: console database away'],
    ]);
    vi.mocked(console.error).mockRestore();
  });

  it('refuses a body that could not be read (400) with what was wrong, naming the target the URL gave', async () => {
    const change = succeeds();
    expect(await runMutation(change, new UnreadableBody('the body is not JSON', { node: 'gpu-9' }), headers)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'the body is not JSON',
    });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([
      expect.objectContaining({
        outcome: 'invalid',
        target: 'node/gpu-9',
        reason: null,
        detail: 'the body is not JSON',
      }),
    ]);
  });

  it('takes no input at all like any invalid input', async () => {
    stand.actor = null;
    expect(await runMutation(succeeds(), undefined, headers)).toMatchObject({ status: 401 });
    expect(stand.audit).toEqual([expect.objectContaining({ target: null, reason: null })]);
  });
});

describe('idempotency keys', () => {
  const keyed = new Headers({ 'idempotency-key': 'key-0123456789abcdef' });

  it('claims the key for this change, runs it, and keeps its answer under the key', async () => {
    const change = succeeds();
    const result = await runMutation(change, { node: 'gpu-1', reason: ' fan ' }, keyed);
    expect(result).toEqual({ ok: true, message: 'quarantined' });
    expect(stand.claims).toEqual([
      [
        'console-pool',
        {
          actorId: 'user-1',
          key: 'key-0123456789abcdef',
          action: 'node.quarantine',
          target: 'node/gpu-1',
          inputHash: inputFingerprint({ node: 'gpu-1', reason: 'fan' }),
          requestId: 'request-1',
        },
      ],
    ]);
    expect(stand.settled).toEqual([['console-pool', 'user-1', 'key-0123456789abcdef', result]]);
    expect(change.runs).toHaveLength(1);
  });

  it('without a key, claims and keeps nothing', async () => {
    await runMutation(succeeds(), { node: 'gpu-1', reason: 'fan' }, headers);
    expect([stand.claims, stand.settled]).toEqual([[], []]);
  });

  it('refuses a malformed key (400) before anything runs', async () => {
    const change = succeeds();
    expect(
      await runMutation(change, { node: 'gpu-1', reason: 'fan' }, new Headers({ 'idempotency-key': 'short' })),
    ).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'idempotency key must be 16 to 100 letters, digits, "-" or "_"',
    });
    expect([change.runs, stand.claims]).toEqual([[], []]);
  });

  it('answers a replay with the first answer, without running it again, recorded as a denied replay', async () => {
    stand.claim = { kind: 'replay', result: { ok: true, message: 'quarantined earlier' }, firstRequestId: 'request-0' };
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, keyed)).toEqual({
      ok: true,
      message: 'quarantined earlier',
    });
    expect(change.runs).toEqual([]);
    expect(stand.settled).toEqual([]);
    // Not run again, so not counted again.
    expect(holderLimit().held('user-1')).toBe(0);
    expect(stand.audit).toEqual([
      expect.objectContaining({
        outcome: 'denied',
        detail: 'replay of request request-0 (same idempotency key): not run again, its answer repeated',
        target: 'node/gpu-1',
        reason: 'fan',
      }),
    ]);
  });

  it('refuses a key whose first request is still running (409)', async () => {
    stand.claim = { kind: 'running', firstRequestId: 'request-0' };
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, keyed)).toEqual({
      ok: false,
      outcome: 'denied',
      status: 409,
      error: 'the same change (idempotency key) is still running as request request-0',
    });
    expect(change.runs).toEqual([]);
    expect(holderLimit().held('user-1')).toBe(0);
  });

  it('refuses a key used for another change (409), naming it', async () => {
    stand.claim = { kind: 'other-change', action: 'node.release', target: 'node/gpu-2' };
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, keyed)).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error:
        'this idempotency key was used for another change (node.release of node/gpu-2, or other values); use a new key for each change',
    });
    stand.claim = { kind: 'other-change', action: 'user.create', target: null };
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, keyed)).toMatchObject({
      error:
        'this idempotency key was used for another change (user.create of nothing, or other values); use a new key for each change',
    });
    expect(change.runs).toEqual([]);
    expect(holderLimit().held('user-1')).toBe(0);
  });

  it('answers 500 when the key cannot be checked, running nothing', async () => {
    stand.claimError = new Error('console database away');
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, keyed)).toEqual({
      ok: false,
      outcome: 'error',
      status: 500,
      error: 'the idempotency key could not be checked: console database away',
    });
    expect(change.runs).toEqual([]);
    expect(holderLimit().held('user-1')).toBe(0);
  });

  it('still answers when the answer cannot be kept under the key, and says so in the log', async () => {
    stand.settleError = new Error('write failed');
    const logged: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
    expect(await runMutation(succeeds(), { node: 'gpu-1', reason: 'fan' }, keyed)).toEqual({
      ok: true,
      message: 'quarantined',
    });
    expect(logged).toEqual([['[idempotency] answer of request request-1 not kept: write failed']]);
    vi.mocked(console.error).mockRestore();
  });
});

describe('callers who are not signed in', () => {
  it('share one budget when their address is unknown', async () => {
    stand.actor = null;
    stand.clientAddress = null;
    for (let i = 0; i < 30; i += 1) anonymousAttempts().admit('unknown');
    const result = await runMutation(succeeds(), { node: 'gpu-1', reason: 'fan' }, headers);
    expect(result).toMatchObject({ ok: false, outcome: 'denied', status: 429 });
    expect(stand.audit).toEqual([]);
  });
});
