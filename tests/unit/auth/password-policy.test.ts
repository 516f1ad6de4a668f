// Passwords of local accounts: at least 12 characters, not the username (any case), not a common
// password (the shipped lists, compared without case). Found by an outside probe: a password equal
// to the username, or a well-known one, was accepted.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { commonPasswords, isCommonPassword, PASSWORD_RULES, passwordProblem } from '@/lib/auth/password-policy';

describe('the common-password lists', () => {
  it('ship in lib/auth with their licence: SecLists top 10,000 and the project list of long ones', () => {
    for (const file of ['common-passwords.txt', 'common-passwords-long.txt', 'common-passwords.LICENSE'])
      expect(existsSync(path.join('lib', 'auth', file))).toBe(true);
    expect(readFileSync('lib/auth/common-passwords.LICENSE', 'utf8')).toContain('Copyright (c) 2018 Daniel Miessler');
    expect(commonPasswords().size).toBeGreaterThan(10_000);
    const long = readFileSync('lib/auth/common-passwords-long.txt', 'utf8').split('\n').filter(Boolean);
    expect(long.length).toBeGreaterThan(300);
    expect(long.every((word) => word.length >= 12)).toBe(true);
  });

  it.each([
    'password',
    '123456',
    'qwerty123456',
    '1q2w3e4r5t6y',
    'password1234',
    'Password1234',
    'PASSWORD1234',
    'iloveyou12345',
    '123456789012',
    'qwertyuiop123',
    'P@ssw0rd1234',
    'correcthorsebatterystaple',
  ])('knows %j', (password) => {
    expect(isCommonPassword(password)).toBe(true);
  });
});

describe('passwordProblem', () => {
  it('accepts a long uncommon password', () => {
    expect(passwordProblem('correct-horse-battery', 'ana')).toBeNull();
    expect(passwordProblem('p'.repeat(12))).toBeNull();
  });

  it('names the rule broken, in this order: length, username, common', () => {
    expect(passwordProblem('short')).toBe('password must be at least 12 characters');
    expect(passwordProblem('elevenchars')).toBe(PASSWORD_RULES.short);
    expect(passwordProblem('p'.repeat(257))).toBe('password must be at most 256 characters');
    expect(passwordProblem('qwerty123456')).toBe(
      'password is one of the most common passwords; choose one that is harder to guess',
    );
    expect(passwordProblem('ops-team-lead', 'ops-team-lead')).toBe('password must not be the username');
  });

  it.each(['operations-lead', 'OPERATIONS-LEAD', 'Operations-Lead', 'oPeRaTiOnS-LeAd'])(
    'refuses the username itself in any case (%j)',
    (password) => {
      expect(passwordProblem(password, 'operations-lead')).toBe(PASSWORD_RULES.username);
    },
  );

  it('never puts the password in the message', () => {
    for (const password of ['qwerty123456', 'operations-lead', 'tiny'])
      expect(passwordProblem(password, 'operations-lead')).not.toContain(password);
  });
});
