// The mutation runner's order of checks and its audit record, without a database or a session
// store: who is signed in, the Origin verdict and the audit log are stand-ins; roles, the rate
// limiter and the runner are the real ones.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Mutation, MutationOutcome, Parsed } from '@/lib/mutations/mutation';
import { RateLimiter } from '@/lib/security/rate-limiter';
import type { Actor } from '@/lib/server/auth';

const stand = vi.hoisted(() => ({
  actor: null as unknown,
  actorError: null as Error | null,
  origin: { ok: true } as { ok: true } | { ok: false; origin: string },
  audit: [] as Record<string, unknown>[],
}));

vi.mock('server-only', () => ({}));
vi.mock('@/lib/server/auth', () => ({
  actorFrom: async () => {
    if (stand.actorError) throw stand.actorError;
    return stand.actor;
  },
}));
vi.mock('@/lib/server/audit', () => ({ recordAudit: async (entry: Record<string, unknown>) => void stand.audit.push(entry) }));
vi.mock('@/lib/security/origin-check', () => ({ originPolicyFromEnv: () => ({}), checkOrigin: () => stand.origin }));
vi.mock('@/lib/security/request-info', () => ({ requestInfo: () => ({ requestId: 'request-1', clientAddress: '10.0.0.7' }) }));

const { runMutation } = await import('@/lib/mutations/run-mutation');

const operator: Actor = { id: 'user-1', name: 'olga', displayName: 'Olga', role: 'operator' };
const viewer: Actor = { id: 'user-2', name: 'victor', displayName: 'Victor', role: 'viewer' };
const holder = globalThis as unknown as { sentinelMutationLimiter?: RateLimiter };

interface Input { node: string; reason: string }

/** A quarantine-like change; `run` is what the test makes it do. */
function mutation(run: (value: Input, actor: Actor) => Promise<MutationOutcome>): Mutation<Input> & { runs: Input[] } {
  const runs: Input[] = [];
  return {
    runs,
    action: 'node.quarantine',
    permission: 'nodes:quarantine',
    parse: (input: unknown): Parsed<Input> => {
      const value = input as Partial<Input> | null;
      return typeof value?.node === 'string' && value.node === value.node.toLowerCase() && typeof value.reason === 'string'
        ? { ok: true, value: { node: value.node, reason: value.reason.trim() } }
        : { ok: false, error: 'node name must be lowercase' };
    },
    rawTarget: (input) => (typeof (input as Partial<Input> | null)?.node === 'string' ? `node/${(input as Input).node}` : null),
    target: (value) => `node/${value.node}`,
    reason: (value) => value.reason,
    run: async (value, actor) => {
      runs.push(value);
      return run(value, actor);
    },
  };
}

const succeeds = () => mutation(async () => ({ ok: true, message: 'quarantined', before: { state: 'healthy' }, after: { state: 'quarantined' } }));
const headers = new Headers();

beforeEach(() => {
  stand.actor = operator;
  stand.actorError = null;
  stand.origin = { ok: true };
  stand.audit = [];
  holder.sentinelMutationLimiter = new RateLimiter(2);
});

afterEach(() => {
  delete holder.sentinelMutationLimiter;
});

describe('running a change', () => {
  it('runs a valid change of a permitted user and records it with actor, target, reason, states and request', async () => {
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: '  fan failure ' }, headers)).toEqual({ ok: true, message: 'quarantined' });
    expect(change.runs).toEqual([{ node: 'gpu-1', reason: 'fan failure' }]);
    expect(stand.audit).toEqual([{
      actor: 'olga', actorRole: 'operator', action: 'node.quarantine', target: 'node/gpu-1', reason: 'fan failure',
      stateBefore: { state: 'healthy' }, stateAfter: { state: 'quarantined' }, outcome: 'ok', detail: 'quarantined',
      requestId: 'request-1', clientAddress: '10.0.0.7',
    }]);
  });

  it('records the readable target the change found while running', async () => {
    const change = mutation(async () => ({ ok: true, message: 'done', target: 'user/olga' }));
    await runMutation(change, { node: 'gpu-1', reason: 'why' }, headers);
    expect(stand.audit[0]).toMatchObject({ target: 'user/olga' });
  });

  it('refuses a caller who is not signed in (401), recording the raw target and reason as anonymous', async () => {
    stand.actor = null;
    const change = succeeds();
    expect(await runMutation(change, { node: 'gpu-1', reason: 'fan' }, headers)).toEqual({ ok: false, outcome: 'denied', status: 401, error: 'sign in first' });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([expect.objectContaining({ actor: 'anonymous', actorRole: null, outcome: 'denied', detail: 'sign in first', target: 'node/gpu-1', reason: 'fan', stateBefore: undefined, stateAfter: undefined })]);
  });

  it('answers 500 and records an error when the session cannot be checked', async () => {
    stand.actorError = new Error('database down');
    const result = await runMutation(succeeds(), { node: 'gpu-1', reason: 'fan' }, headers);
    expect(result).toEqual({ ok: false, outcome: 'error', status: 500, error: 'sign-in could not be checked: database down' });
    expect(stand.audit).toEqual([expect.objectContaining({ actor: 'anonymous', outcome: 'error', detail: 'sign-in could not be checked: database down', target: 'node/gpu-1' })]);
  });

  it('refuses a request from another origin (403) before the role or the input is looked at', async () => {
    stand.origin = { ok: false, origin: 'https://evil.example' };
    stand.actor = viewer;
    const result = await runMutation(succeeds(), { node: 'GPU', reason: 'fan' }, headers);
    expect(result).toEqual({ ok: false, outcome: 'denied', status: 403, error: 'requests from https://evil.example are not accepted' });
    expect(stand.audit).toEqual([expect.objectContaining({ actor: 'victor', actorRole: 'viewer', outcome: 'denied' })]);
  });

  it('refuses a role without the permission (403) before parsing the input', async () => {
    stand.actor = viewer;
    const change = succeeds();
    expect(await runMutation(change, { node: 'GPU', reason: 'fan' }, headers)).toEqual({ ok: false, outcome: 'denied', status: 403, error: 'your role (viewer) may not do this' });
    expect(change.runs).toEqual([]);
  });

  it('refuses invalid input (400) naming the problem, with the raw target; a reason that is not text is not recorded', async () => {
    const change = succeeds();
    expect(await runMutation(change, { node: 'GPU-1', reason: 42 }, headers)).toEqual({ ok: false, outcome: 'invalid', status: 400, error: 'node name must be lowercase' });
    expect(change.runs).toEqual([]);
    expect(stand.audit).toEqual([expect.objectContaining({ actor: 'olga', outcome: 'invalid', target: 'node/GPU-1', reason: null })]);
    await runMutation(change, null, headers);
    expect(stand.audit[1]).toMatchObject({ outcome: 'invalid', target: null, reason: null });
  });

  it('counts only changes that happened against the rate, and refuses (429) with the seconds to wait', async () => {
    const change = succeeds();
    // Invalid attempts and failed runs cost nothing.
    await runMutation(change, { node: 'BAD', reason: 'x' }, headers);
    await runMutation(mutation(async () => ({ ok: false, outcome: 'error', status: 500, error: 'boom' })), { node: 'gpu-1', reason: 'x' }, headers);
    expect((await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).ok).toBe(true);
    expect((await runMutation(change, { node: 'gpu-2', reason: 'y' }, headers)).ok).toBe(true);
    const refused = await runMutation(change, { node: 'gpu-3', reason: 'z' }, headers);
    // The first counted change was a moment ago: a minute's wait, give or take the moment.
    expect(refused).toEqual({ ok: false, outcome: 'denied', status: 429, error: expect.stringMatching(/^too many changes; try again in (60|59) s$/) });
    expect(change.runs.map((value) => value.node)).toEqual(['gpu-1', 'gpu-2']);
    // Recorded with the parsed target and reason.
    expect(stand.audit.at(-1)).toMatchObject({ outcome: 'denied', target: 'node/gpu-3', reason: 'z', detail: (refused as { error: string }).error });
    // Another user has a rate of their own.
    stand.actor = { ...operator, id: 'user-3', name: 'otto' };
    expect((await runMutation(change, { node: 'gpu-4', reason: 'w' }, headers)).ok).toBe(true);
  });

  it('rounds the wait up to whole seconds', async () => {
    holder.sentinelMutationLimiter = { waitMs: () => 1_001, record: () => {} } as unknown as RateLimiter;
    expect(await runMutation(succeeds(), { node: 'gpu-1', reason: 'x' }, headers)).toMatchObject({ status: 429, error: 'too many changes; try again in 2 s' });
  });

  it('reports a refused run as the run says, recording the state before', async () => {
    const change = mutation(async () => ({ ok: false, outcome: 'invalid', status: 409, error: 'already quarantined', before: { state: 'quarantined' } }));
    expect(await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).toEqual({ ok: false, outcome: 'invalid', status: 409, error: 'already quarantined' });
    expect(stand.audit).toEqual([expect.objectContaining({ outcome: 'invalid', detail: 'already quarantined', stateBefore: { state: 'quarantined' }, stateAfter: undefined, target: 'node/gpu-1', reason: 'x' })]);
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
    expect(await runMutation(change, { node: 'gpu-1', reason: 'x' }, headers)).toEqual({ ok: false, outcome, status, error: 'refused by Better Auth' });
    expect(stand.audit).toEqual([expect.objectContaining({ outcome, detail: 'refused by Better Auth', target: 'node/gpu-1' })]);
  });

  it('a run that throws does not count against the rate', async () => {
    const throws = mutation(async () => {
      throw new Error('boom');
    });
    for (let i = 0; i < 3; i += 1) await runMutation(throws, { node: 'gpu-1', reason: 'x' }, headers);
    expect((await runMutation(succeeds(), { node: 'gpu-1', reason: 'x' }, headers)).ok).toBe(true);
  });
});
