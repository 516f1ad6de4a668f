// The first admin of a console that has no users yet: CONSOLE_ADMIN_USERNAME (default "admin")
// with CONSOLE_ADMIN_PASSWORD, or a generated password printed once. Once any user exists this
// does nothing, so changing the variables later never resets anyone's password.
import { randomBytes } from 'node:crypto';

import { StoreError } from '../store';
import type { ConsoleAuth } from './auth-config';
import { PASSWORD_RULES, passwordProblem } from './password-policy';
import type pg from 'pg';

export interface FirstAdminResult {
  created: boolean;
  username?: string;
  /** Set only when the password was generated here (to be shown once). */
  generatedPassword?: string;
}

/** Local accounts need an email in Better Auth; this one is never mailed. */
export const localEmail = (username: string) => `${username}@local.sentinel-console.invalid`;

export async function ensureFirstAdmin(
  auth: ConsoleAuth,
  pool: pg.Pool,
  wanted: { username: string; password?: string },
): Promise<FirstAdminResult> {
  const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM console_user');
  if (Number(rows[0].count) > 0) return { created: false };
  if (wanted.password) {
    const problem = passwordProblem(wanted.password, wanted.username);
    if (problem)
      throw new StoreError(
        'config',
        `CONSOLE_ADMIN_PASSWORD ${problem.replace(/^password /, '')}${problem === PASSWORD_RULES.username ? ' (CONSOLE_ADMIN_USERNAME)' : ''}`,
      );
  }
  const generatedPassword = wanted.password ? undefined : randomBytes(18).toString('base64url');
  await auth.api.createUser({
    body: {
      email: localEmail(wanted.username),
      password: wanted.password ?? generatedPassword!,
      name: wanted.username,
      role: 'admin',
      data: { username: wanted.username, displayUsername: wanted.username },
    },
  });
  return { created: true, username: wanted.username, generatedPassword };
}
