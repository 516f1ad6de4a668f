// Who may do what: each role a superset of the one before, anything else gets nothing.
import { describe, expect, it } from 'vitest';

import { can, isRole, roleFromGroups, ROLES, type Permission, type Role } from '@/lib/auth/roles';

const PERMISSIONS: Permission[] = [
  'dashboard:read',
  'audit:read',
  'nodes:quarantine',
  'nodes:release',
  'dead-letters:retry',
  'users:manage',
];

describe('can', () => {
  const allowed = (role: string | null | undefined) => PERMISSIONS.filter((permission) => can(role, permission));

  it('lets a viewer read the dashboard and the audit log, and change nothing', () => {
    expect(allowed('viewer')).toEqual(['dashboard:read', 'audit:read']);
  });

  it('lets an operator also quarantine and release nodes and retry dead letters, but not manage users', () => {
    expect(allowed('operator')).toEqual([
      'dashboard:read',
      'audit:read',
      'nodes:quarantine',
      'nodes:release',
      'dead-letters:retry',
    ]);
  });

  it('lets an admin do everything', () => {
    expect(allowed('admin')).toEqual(PERMISSIONS);
  });

  it('lets every role save its own named views, and only an admin delete anyone’s', () => {
    expect(ROLES.filter((role) => can(role, 'views:save'))).toEqual(['viewer', 'operator', 'admin']);
    expect(ROLES.filter((role) => can(role, 'views:delete-any'))).toEqual(['admin']);
  });

  it('makes each role a superset of the one before', () => {
    for (let i = 1; i < ROLES.length; i++) {
      expect(allowed(ROLES[i])).toEqual(expect.arrayContaining(allowed(ROLES[i - 1])));
      expect(allowed(ROLES[i]).length).toBeGreaterThan(allowed(ROLES[i - 1]).length);
    }
  });

  it.each([
    null,
    undefined,
    '',
    'superuser',
    'Admin',
    'ADMIN',
    ' admin',
    'admin ',
    'root',
    'constructor',
    'toString',
    '__proto__',
  ])('gives the unknown role %j nothing, not even reading', (role) => {
    expect(allowed(role)).toEqual([]);
  });
});

describe('isRole', () => {
  it('accepts exactly viewer, operator and admin', () => {
    expect(ROLES.every(isRole)).toBe(true);
    for (const value of ['Viewer', 'admins', '', 'none', null, undefined, 3, {}, ['admin'], 'valueOf'])
      expect(isRole(value)).toBe(false);
  });
});

describe('roleFromGroups', () => {
  const mapping: Record<string, Role> = { 'gpu-viewers': 'viewer', 'gpu-ops': 'operator', 'gpu-admins': 'admin' };

  it('gives the highest role any of the groups maps to, whatever the order', () => {
    expect(roleFromGroups(['gpu-viewers', 'gpu-admins', 'gpu-ops'], mapping, null)).toBe('admin');
    expect(roleFromGroups(['gpu-admins', 'gpu-viewers'], mapping, null)).toBe('admin');
    expect(roleFromGroups(['gpu-ops', 'gpu-viewers'], mapping, null)).toBe('operator');
    expect(roleFromGroups(['gpu-viewers', 'gpu-ops'], mapping, null)).toBe('operator');
    expect(roleFromGroups(['everyone', 'gpu-viewers'], mapping, null)).toBe('viewer');
  });

  it('uses the fallback only when no group is mapped', () => {
    expect(roleFromGroups(['everyone', 'interns'], mapping, 'viewer')).toBe('viewer');
    expect(roleFromGroups([], mapping, 'operator')).toBe('operator');
    // A mapped group beats a higher fallback: the fallback is for the unmapped, not a floor.
    expect(roleFromGroups(['gpu-viewers'], mapping, 'admin')).toBe('viewer');
  });

  it('refuses (null) a user with no mapped group when there is no fallback', () => {
    expect(roleFromGroups(['everyone'], mapping, null)).toBeNull();
    expect(roleFromGroups([], {}, null)).toBeNull();
  });

  it('matches group names exactly (case and spacing count)', () => {
    expect(roleFromGroups(['GPU-ADMINS', ' gpu-admins', 'gpu-admins '], mapping, null)).toBeNull();
  });

  it('does not take names of object built-ins for mapped groups', () => {
    // Group names come from the identity provider; "constructor" or "toString" must not count as mapped.
    for (const group of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(roleFromGroups([group], mapping, null)).toBeNull();
      expect(roleFromGroups([group], mapping, 'viewer')).toBe('viewer');
    }
  });
});
