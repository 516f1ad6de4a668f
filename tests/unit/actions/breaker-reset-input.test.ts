// What an admin may send to reset the circuit breaker: the runbook's two modes, a reason and,
// optionally, the ConfigMap's resourceVersion as the page showed it; nothing else; every refusal
// names what is wrong. Only admins hold the permission.
import { describe, expect, it } from 'vitest';

import { cursorOf, parseBreakerReset } from '@/lib/actions/breaker-reset-input';
import { resetBreakerMutation } from '@/lib/actions/breaker-mutations';
import { can } from '@/lib/auth/roles';

describe('breaker reset input', () => {
  it('accepts resume and create with a reason, normalising the reason', () => {
    expect(parseBreakerReset({ mode: 'resume', reason: '  switch replaced  ' })).toEqual({
      ok: true,
      value: { mode: 'resume', reason: 'switch replaced' },
    });
    expect(parseBreakerReset({ mode: 'create', reason: 'stale backlog' })).toEqual({
      ok: true,
      value: { mode: 'create', reason: 'stale backlog' },
    });
  });

  it('takes the resourceVersion the page showed, optional for scripts', () => {
    expect(parseBreakerReset({ mode: 'resume', reason: 'switch replaced', resourceVersion: ' 4711 ' })).toEqual({
      ok: true,
      value: { mode: 'resume', reason: 'switch replaced', resourceVersion: '4711' },
    });
  });

  it('maps each mode to the cursor NVSentinel reads (breaker/types.go:24-29)', () => {
    expect(cursorOf('resume')).toBe('RESUME');
    expect(cursorOf('create')).toBe('CREATE');
  });

  it.each([
    [
      { reason: 'switch replaced' },
      'mode is required: "resume" (process the waiting events) or "create" (skip them, start from now)',
    ],
    [
      { mode: 'RESUME', reason: 'switch replaced' },
      'mode must be "resume" (process the waiting events) or "create" (skip them, start from now)',
    ],
    [
      { mode: 'delete', reason: 'switch replaced' },
      'mode must be "resume" (process the waiting events) or "create" (skip them, start from now)',
    ],
    [{ mode: 'resume' }, 'reason must be text'],
    [{ mode: 'resume', reason: 'ok' }, 'reason must be at least 3 characters'],
    [{ mode: 'resume', reason: 'x'.repeat(501) }, 'reason must be at most 500 characters'],
    [{ mode: 'resume', reason: 'fixed \u202eit' }, 'reason must not contain text-direction characters (found U+202E)'],
    [{ mode: 'resume', reason: 'fixed', cursor: 'CREATE' }, 'unknown field cursor'],
    [
      { mode: 'resume', reason: 'fixed', resourceVersion: 4711 },
      "resourceVersion must be text: the circuit-breaker ConfigMap's resourceVersion as you saw it",
    ],
    [{ mode: 'resume', reason: 'fixed', resourceVersion: ' ' }, 'resourceVersion must not be empty'],
    [
      { mode: 'resume', reason: 'fixed', resourceVersion: '9'.repeat(65) },
      'resourceVersion must be at most 64 characters',
    ],
    [{ mode: 'resume', reason: 'fixed', namespace: 'kube-system' }, 'unknown field namespace'],
    [null, 'expected { mode, reason }'],
    ['resume', 'expected { mode, reason }'],
    [['resume', 'fixed'], 'expected { mode, reason }'],
  ])('refuses %j: %s', (input, error) => {
    expect(parseBreakerReset(input)).toEqual({ ok: false, error });
  });

  it('is an admin-only change: viewers and operators lack breaker:reset', () => {
    expect(resetBreakerMutation.permission).toBe('breaker:reset');
    expect(can('admin', 'breaker:reset')).toBe(true);
    expect(can('operator', 'breaker:reset')).toBe(false);
    expect(can('viewer', 'breaker:reset')).toBe(false);
  });
});
