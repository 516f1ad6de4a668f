// What an admin may send to manage users, checked before anything is read or written (the
// mutations reach the console database only in `run`, through the app context, which these tests
// never call).
import { describe, expect, it } from 'vitest';

import {
  createUserMutation,
  disableUserMutation,
  enableUserMutation,
  setUserPasswordMutation,
  setUserRoleMutation,
} from '@/lib/actions/user-mutations';

const error = (result: { ok: boolean; error?: string }) => (result.ok ? undefined : result.error);

describe('create user input', () => {
  const valid = { username: 'ana', password: 'correct-horse-battery', role: 'operator' };

  it.each(['ana', 'ops-team', 'a.b_c-d', '0day', 'a'.repeat(64), 'ab'])('accepts the username %j', (username) => {
    expect(createUserMutation.parse({ ...valid, username })).toEqual({ ok: true, value: { ...valid, username } });
  });

  it('trims the display name and accepts each role', () => {
    for (const role of ['viewer', 'operator', 'admin'])
      expect(createUserMutation.parse({ ...valid, role }).ok).toBe(true);
    expect(createUserMutation.parse({ ...valid, name: '  Ana Smith  ' })).toEqual({
      ok: true,
      value: { ...valid, name: 'Ana Smith' },
    });
  });

  it.each([
    [{ username: 'Ana' }, 'username must be 2 to 64 lowercase letters'],
    [{ username: 'a' }, 'username must be 2 to 64'],
    [{ username: 'a'.repeat(65) }, 'username must be 2 to 64'],
    [{ username: '-ana' }, 'starting with a letter or digit'],
    [{ username: 'ana smith' }, 'username must be 2 to 64'],
    [{ username: 'ana@example.com' }, 'username must be 2 to 64'],
    [{ username: '<script>' }, 'username must be 2 to 64'],
    [{ username: 42 }, 'username must be text'],
    [
      { username: 'anonymous' },
      'username "anonymous" is reserved: the audit log records callers who are not signed in as "anonymous"',
    ],
    [{ username: 'Anonymous' }, 'username "Anonymous" is reserved'],
    [{ username: 'ANONYMOUS' }, 'username "ANONYMOUS" is reserved'],
    [{ username: 'aNoNyMoUs' }, 'username "aNoNyMoUs" is reserved'],
    [{ password: 'elevenchars' }, 'password must be at least 12 characters'],
    [{ password: 'qwerty123456' }, 'password is one of the most common passwords'],
    [{ password: 'Password1234' }, 'password is one of the most common passwords'],
    [{ username: 'operations-lead', password: 'operations-lead' }, 'password must not be the username'],
    [{ username: 'operations-lead', password: 'OPERATIONS-LEAD' }, 'password must not be the username'],
    [{ password: 'p'.repeat(257) }, 'password must be at most 256 characters'],
    [{ password: ['correct-horse-battery'] }, 'password must be text'],
    [{ role: 'superuser' }, 'role must be viewer, operator or admin'],
    [{ role: 'Admin' }, 'role must be viewer, operator or admin'],
    [{ role: undefined }, 'role must be viewer, operator or admin'],
    [{ name: 'n'.repeat(101) }, 'name must be at most 100 characters'],
    [{ name: 'Ana\u0000Smith' }, 'name must not contain control characters'],
    [{ name: 'Ana\nSmith' }, 'name must not contain control characters'],
  ])('refuses %j, naming what is wrong', (change, message) => {
    expect(error(createUserMutation.parse({ ...valid, ...change }))).toContain(message);
  });

  it.each([null, 'ana', 42, []])('says what shape it expects for %j', (input) => {
    expect(error(createUserMutation.parse(input))).toBe('expected { username, password, role }');
  });

  it('records the username it was given as the target, even when the input is invalid', () => {
    expect(createUserMutation.rawTarget({ username: 'Bad Name', password: 'x' })).toBe('Bad Name');
    expect(createUserMutation.rawTarget({ username: { $ne: null } })).toBe('{"$ne":null}');
    expect(createUserMutation.rawTarget(null)).toBeNull();
    expect(createUserMutation.target({ ...valid, role: 'operator' })).toBe('user/ana');
  });
});

describe('role, disable, enable and password input', () => {
  const userId = 'Xk2-9_abcDEF';

  it('accepts a user id and what each change needs', () => {
    expect(setUserRoleMutation.parse({ userId, role: 'viewer' })).toEqual({
      ok: true,
      value: { userId, role: 'viewer' },
    });
    expect(disableUserMutation.parse({ userId, reason: '  left the team \n' })).toEqual({
      ok: true,
      value: { userId, reason: 'left the team' },
    });
    expect(enableUserMutation.parse({ userId })).toEqual({ ok: true, value: { userId } });
    expect(setUserPasswordMutation.parse({ userId, password: 'a-new-long-password' })).toEqual({
      ok: true,
      value: { userId, password: 'a-new-long-password' },
    });
  });

  it.each(['', 'a/b', '../admin', 'x'.repeat(65), "1' OR '1'='1", 'id with space'])('refuses the user id %j', (bad) => {
    for (const [mutation, extra] of [
      [setUserRoleMutation, { role: 'viewer' }],
      [disableUserMutation, { reason: 'left the team' }],
      [enableUserMutation, {}],
      [setUserPasswordMutation, { password: 'a-new-long-password' }],
    ] as const) {
      expect(error(mutation.parse({ userId: bad, ...extra }))).toBe('user id is not valid');
    }
  });

  it('refuses a role that does not exist', () => {
    expect(error(setUserRoleMutation.parse({ userId, role: 'root' }))).toBe('role must be viewer, operator or admin');
  });

  it.each([
    ['ok', 'reason must be at least 3 characters'],
    ['   ok   ', 'reason must be at least 3 characters'],
    ['x'.repeat(501), 'reason must be at most 500 characters'],
    ['bad\u0000byte', 'reason must not contain control characters (found U+0000)'],
    ['bell\u0007', 'reason must not contain control characters (found U+0007)'],
    ['left\u0085 the team', 'reason must not contain control characters (found U+0085)'],
  ])('refuses the disable reason %j', (reason, message) => {
    expect(error(disableUserMutation.parse({ userId, reason }))).toBe(message);
  });

  it('keeps line breaks inside a disable reason', () => {
    expect(disableUserMutation.parse({ userId, reason: 'left the team\nticket 42' })).toEqual({
      ok: true,
      value: { userId, reason: 'left the team\nticket 42' },
    });
    expect(disableUserMutation.reason?.({ userId, reason: 'left' })).toBe('left');
  });

  it('refuses a short new password', () => {
    expect(error(setUserPasswordMutation.parse({ userId, password: 'short' }))).toBe(
      'password must be at least 12 characters',
    );
    expect(error(setUserPasswordMutation.parse({ userId, password: '1q2w3e4r5t6y' }))).toBe(
      'password is one of the most common passwords; choose one that is harder to guess',
    );
  });

  it('records the user id as the target', () => {
    expect(setUserRoleMutation.target({ userId, role: 'viewer' })).toBe(`user/${userId}`);
    expect(enableUserMutation.rawTarget({ userId: 7 })).toBe('7');
  });
});
