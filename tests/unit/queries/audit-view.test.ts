import { describe, expect, it } from 'vitest';

import {
  createAlertDestinationMutation,
  deleteAlertDestinationMutation,
  muteAlertDestinationMutation,
  setAlertSettingsMutation,
  testAlertDestinationMutation,
  updateAlertDestinationMutation,
} from '@/lib/actions/alert-mutations';
import { resetBreakerMutation } from '@/lib/actions/breaker-mutations';
import { retryDeadLetterMutation } from '@/lib/actions/dead-letter-mutations';
import { quarantineNodeMutation, releaseNodeMutation } from '@/lib/actions/node-mutations';
import { optInNodeMutation, optOutNodeMutation } from '@/lib/actions/opt-out-mutations';
import {
  createUserMutation,
  disableUserMutation,
  enableUserMutation,
  setUserPasswordMutation,
  setUserRoleMutation,
  unknownUserChange,
} from '@/lib/actions/user-mutations';
import {
  AUDIT_ACTION_NAMES,
  auditActionChoices,
  auditActionName,
  auditTargetText,
  changedFields,
  userTargetKey,
} from '@/lib/queries/audit-view';

/**
 * Every mutation the console has: each export of lib/actions/*-mutations.ts that is one, found
 * rather than listed by hand (a hand-kept list let four actions of named views go unnamed).
 */
const DISCOVERED = Object.values(
  import.meta.glob<Record<string, unknown>>('../../../lib/actions/*-mutations.ts', { eager: true }),
).flatMap((module) =>
  Object.values(module).filter(
    (value): value is { action: string } =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { action?: unknown }).action === 'string' &&
      typeof (value as { run?: unknown }).run === 'function',
  ),
);
const MUTATIONS = [
  ...DISCOVERED,
  // Made per change asked for, so not an export of its own.
  unknownUserChange('delete', []),
];
/** What proxy.ts records for requests it refuses before any mutation runs. */
const PROXY_ACTIONS = ['request.cross-origin', 'server-action.refused'];

describe('actions by name', () => {
  it('names every action the console records, in words rather than its id', () => {
    // The discovery finds the mutations: a broken glob must not pass with nothing to check.
    expect(DISCOVERED.map((mutation) => mutation.action)).toEqual(
      expect.arrayContaining([
        quarantineNodeMutation.action,
        releaseNodeMutation.action,
        optOutNodeMutation.action,
        optInNodeMutation.action,
        retryDeadLetterMutation.action,
        resetBreakerMutation.action,
        createUserMutation.action,
        setUserRoleMutation.action,
        disableUserMutation.action,
        enableUserMutation.action,
        setUserPasswordMutation.action,
        createAlertDestinationMutation.action,
        updateAlertDestinationMutation.action,
        deleteAlertDestinationMutation.action,
        testAlertDestinationMutation.action,
        muteAlertDestinationMutation.action,
        setAlertSettingsMutation.action,
        'views.create',
        'views.rename',
        'views.share',
        'views.delete',
      ]),
    );
    for (const action of [...MUTATIONS.map((mutation) => mutation.action), ...PROXY_ACTIONS]) {
      expect(Object.hasOwn(AUDIT_ACTION_NAMES, action), action).toBe(true);
      expect(auditActionName(action), action).toMatch(/^[A-Z][a-z]+ [^./]+$/);
    }
    expect(auditActionName('node.quarantine')).toBe('Quarantine a node');
    expect(new Set(Object.values(AUDIT_ACTION_NAMES)).size).toBe(Object.keys(AUDIT_ACTION_NAMES).length);
  });

  it('shows an action it has no name for (a newer console’s) as recorded, never an inherited property', () => {
    expect(auditActionName('node.drain')).toBe('node.drain');
    expect(auditActionName('constructor')).toBe('constructor');
  });

  it('offers the filter’s choices by name, in the order of their names, each choosing the recorded action', () => {
    expect(auditActionChoices(['user.create', 'node.quarantine', 'circuit-breaker.reset', 'node.drain'])).toEqual([
      { value: 'user.create', label: 'Create a user' },
      { value: 'node.drain', label: 'node.drain' },
      { value: 'node.quarantine', label: 'Quarantine a node' },
      { value: 'circuit-breaker.reset', label: 'Reset the circuit breaker' },
    ]);
  });
});

describe('users by name', () => {
  const users = { Xk3vQ9mB2sL7pR1t: 'olga' };

  const entry = (action: string, target: string | null) => ({ action, target });

  it('reads the user a target names: user/<key> for any action, a bare target only for a change of a user', () => {
    expect(userTargetKey('user.set-role', 'user/Xk3vQ9mB2sL7pR1t')).toBe('Xk3vQ9mB2sL7pR1t');
    expect(userTargetKey('server-action.refused', 'user/olga')).toBe('olga');
    // Refused before the input was read: the id as the request sent it.
    expect(userTargetKey('user.disable', 'Xk3vQ9mB2sL7pR1t')).toBe('Xk3vQ9mB2sL7pR1t');
    expect(userTargetKey('node.quarantine', 'gpu-node-0001')).toBeNull();
    expect(userTargetKey('user.enable', null)).toBeNull();
  });

  it('shows a known id as user/<username>, however it was recorded', () => {
    expect(auditTargetText(entry('user.set-role', 'user/Xk3vQ9mB2sL7pR1t'), users)).toBe('user/olga');
    expect(auditTargetText(entry('user.set-role', 'Xk3vQ9mB2sL7pR1t'), users)).toBe('user/olga');
    // A username, an unknown id (a user since removed) and any other target stay as recorded.
    expect(auditTargetText(entry('user.enable', 'user/olga'), users)).toBe('user/olga');
    expect(auditTargetText(entry('user.enable', 'user/gone0000'), users)).toBe('user/gone0000');
    expect(auditTargetText(entry('user.create', 'Bad Name'), users)).toBe('Bad Name');
    expect(auditTargetText(entry('server-action.refused', '/invented-path'), users)).toBe('/invented-path');
    // A node that happens to share the id's text is a node.
    expect(auditTargetText(entry('node.release', 'Xk3vQ9mB2sL7pR1t'), users)).toBe('Xk3vQ9mB2sL7pR1t');
    expect(auditTargetText(entry('user.enable', null), users)).toBeNull();
  });

  it('shows a known id in a change as the username, its field as the user', () => {
    expect(changedFields(null, { id: 'Xk3vQ9mB2sL7pR1t', username: 'olga', role: 'operator' }, { users })).toEqual([
      { field: 'user', before: '', after: 'olga' },
      { field: 'username', before: '', after: 'olga' },
      { field: 'role', before: '', after: 'operator' },
    ]);
    expect(changedFields(null, { id: 'other-id' }, { users })).toEqual([
      { field: 'id', before: '', after: 'other-id' },
    ]);
  });
});

describe('the before → after of an audit entry', () => {
  it('lists only the fields that changed', () => {
    const before = { state: 'quarantined', label: 'Quarantined', quarantinedSince: 1796200704946 };
    const after = { state: 'released', label: 'Released by hand', quarantinedSince: null, cancelledEvents: 1 };
    expect(changedFields(before, after)).toEqual([
      { field: 'state', before: 'quarantined', after: 'released' },
      { field: 'label', before: 'Quarantined', after: 'Released by hand' },
      { field: 'quarantinedSince', before: '2026-12-02 08:38:24 UTC', after: '—' },
      { field: 'cancelledEvents', before: '—', after: '1' },
    ]);
  });

  it('shows state times, numbers and RFC 3339 text alike, in the zone the page shows times in', () => {
    const before = { quarantinedSince: 1796200704946, until: null };
    const after = { quarantinedSince: null, until: '2026-12-06T14:00:00Z' };
    expect(changedFields(before, after, { zone: 'Europe/Berlin' })).toEqual([
      { field: 'quarantinedSince', before: '2026-12-02 09:38:24 UTC+01:00', after: '—' },
      { field: 'until', before: '—', after: '2026-12-06 15:00:00 UTC+01:00' },
    ]);
    // Text that only looks like a time stays as it is.
    expect(changedFields({ note: 'a' }, { note: '2026-12-06' })).toEqual([
      { field: 'note', before: 'a', after: '2026-12-06' },
    ]);
  });

  it('shows every field of a creation, and nothing when neither side is known', () => {
    expect(changedFields(null, { username: 'olga', role: 'operator' })).toEqual([
      { field: 'username', before: '', after: 'olga' },
      { field: 'role', before: '', after: 'operator' },
    ]);
    expect(changedFields(null, null)).toEqual([]);
    expect(changedFields(undefined, undefined)).toEqual([]);
  });

  it('keeps long values short', () => {
    const [field] = changedFields({ note: 'x'.repeat(500) }, { note: 'y' });
    expect(field.before).toHaveLength(81);
  });
});
