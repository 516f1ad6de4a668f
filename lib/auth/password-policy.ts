// What a local account's password must be, wherever one is set: creating a user, an admin setting
// a new password, and the first admin (CONSOLE_ADMIN_PASSWORD). At least 12 characters (at most
// 256), not the username in any case, and not a common password: the 10,000 most common of
// SecLists (common-passwords.txt, MIT, see common-passwords.LICENSE) and this project's list of
// common ones of 12 characters or more (common-passwords-long.txt), compared without case.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PASSWORD_MAX, PASSWORD_MIN } from './password-limits';

export { PASSWORD_MAX, PASSWORD_MIN };
export const COMMON_PASSWORD_FILES = ['common-passwords.txt', 'common-passwords-long.txt'];

let common: Set<string> | undefined;

/** The folder of the lists: beside this module, or lib/auth of the checkout the server runs from. */
function listFolder(): string {
  const candidates = [
    // Stryker disable next-line ConditionalExpression: `true ?` is equivalent (an undefined dirname is filtered out just below); `false ?` is killed by tests/unit/auth/password-list.test.ts (the error names both folders)
    typeof import.meta.dirname === 'string' ? import.meta.dirname : undefined,
    path.join(process.cwd(), 'lib', 'auth'),
  ].filter((dir): dir is string => Boolean(dir));
  const found = candidates.find((dir) =>
    existsSync(/*turbopackIgnore: true*/ path.join(dir, COMMON_PASSWORD_FILES[0])),
  );
  if (!found)
    throw new Error(
      `the common-password list (lib/auth/${COMMON_PASSWORD_FILES[0]}) is missing; looked in ${candidates.join(', ')}`,
    );
  return found;
}

/** Every common password, lowercased (read once). */
export function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const dir = listFolder();
    const words = new Set<string>();
    for (const file of COMMON_PASSWORD_FILES) {
      for (const line of readFileSync(/*turbopackIgnore: true*/ path.join(dir, file), 'utf8').split('\n')) {
        const word = line.replace(/\r$/, '');
        if (word) words.add(word.toLowerCase());
      }
    }
    common = words;
  }
  return common;
}

export const isCommonPassword = (password: string) => commonPasswords().has(password.toLowerCase());

export const PASSWORD_RULES = {
  short: `password must be at least ${PASSWORD_MIN} characters`,
  long: `password must be at most ${PASSWORD_MAX} characters`,
  username: 'password must not be the username',
  common: 'password is one of the most common passwords; choose one that is harder to guess',
} as const;

/** Why `password` is refused for the account `username`, or null. The message never contains the password. */
export function passwordProblem(password: string, username?: string | null): string | null {
  if (password.length < PASSWORD_MIN) return PASSWORD_RULES.short;
  if (password.length > PASSWORD_MAX) return PASSWORD_RULES.long;
  if (username && password.toLowerCase() === username.toLowerCase()) return PASSWORD_RULES.username;
  if (isCommonPassword(password)) return PASSWORD_RULES.common;
  return null;
}
