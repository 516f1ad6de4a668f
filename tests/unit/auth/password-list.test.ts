// Where the common-password lists are read from, and how: beside the module, else lib/auth of the
// folder the server runs from (under vitest both are the same folder, so only the error names
// them apart); once; a line's trailing carriage return dropped; blank lines skipped; a clear error
// naming both places when neither has them. node:fs is a stand-in here.
import path from 'node:path';

import { beforeEach, describe, expect, it, vi } from 'vitest';

const fs = vi.hoisted(() => ({ present: [] as string[], reads: [] as string[], content: new Map<string, string>() }));

vi.mock('node:fs', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs')>();
  return {
    ...original,
    existsSync: (file: string) => fs.present.some((dir) => file === path.join(dir, 'common-passwords.txt')),
    readFileSync: (file: string) => {
      fs.reads.push(file);
      return fs.content.get(path.basename(file)) ?? '';
    },
  };
});

const moduleDir = path.resolve(import.meta.dirname, '..', '..', '..', 'lib', 'auth');
const cwdDir = path.join(process.cwd(), 'lib', 'auth');

async function freshPolicy() {
  vi.resetModules();
  return import('@/lib/auth/password-policy');
}

beforeEach(() => {
  fs.present = [];
  fs.reads = [];
  fs.content = new Map([
    ['common-passwords.txt', 'Hunter2Hunter2\r\n\r\nwith\rinside\n'],
    ['common-passwords-long.txt', 'correct horse battery\n'],
  ]);
});

describe('the common-password lists', () => {
  it("are read once from the module's folder: lowercased, the trailing \\r dropped, blank lines skipped", async () => {
    fs.present = [moduleDir];
    const { commonPasswords, isCommonPassword } = await freshPolicy();
    expect([...commonPasswords()].sort()).toEqual(['correct horse battery', 'hunter2hunter2', 'with\rinside']);
    expect(isCommonPassword('HUNTER2hunter2')).toBe(true);
    commonPasswords();
    expect(fs.reads).toEqual([
      path.join(moduleDir, 'common-passwords.txt'),
      path.join(moduleDir, 'common-passwords-long.txt'),
    ]);
  });

  it('accept a password of exactly 256 characters and refuse 257', async () => {
    fs.present = [moduleDir];
    const { passwordProblem, PASSWORD_RULES } = await freshPolicy();
    expect(passwordProblem('p'.repeat(256))).toBeNull();
    expect(passwordProblem('p'.repeat(257))).toBe(PASSWORD_RULES.long);
  });

  it('name both places looked in when neither has them', async () => {
    const { commonPasswords } = await freshPolicy();
    expect(() => commonPasswords()).toThrow(
      `the common-password list (lib/auth/common-passwords.txt) is missing; looked in ${moduleDir}, ${cwdDir}`,
    );
  });
});
