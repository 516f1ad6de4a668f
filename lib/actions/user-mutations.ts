// User management (admin): create a local account, change a role, disable or enable an account,
// set a new password. Done in the console database directly (Better Auth's admin endpoints are
// closed, see app/api/auth/[...all]/route.ts) so that every change passes run-mutation.ts and
// is audited. A role change or a disable takes effect on the user's next request: sessions are
// read from the database each time, and a disable also ends them.
import type pg from 'pg';
import { z } from 'zod';

import { localEmail } from '@/lib/auth/first-admin';
import { PASSWORD_RULES, passwordProblem } from '@/lib/auth/password-policy';
import { ROLES } from '@/lib/auth/roles';
import { isReservedUsername, reservedUsernameRule, USERNAME_PATTERN, USERNAME_RULE } from '@/lib/auth/username';
import { openStreams } from '@/lib/live/open-streams';

import { firstIssue, rawField, type Mutation, type MutationOutcome, type Parsed } from './mutation';
import { reasonText } from './reason-text';

const CONTROL = /[\u0000-\u001f\u007f]/;
const username = z
  .string({ error: 'username must be text' })
  .check((context) => {
    if (isReservedUsername(context.value))
      context.issues.push({ code: 'custom', input: context.value, message: reservedUsernameRule(context.value) });
  })
  .regex(USERNAME_PATTERN, USERNAME_RULE);
// Length and the common-password list here (400 before anything is read); "not the username" in
// createInput below and, for a new password, once the user is found.
const password = z.string({ error: 'password must be text' }).check((context) => {
  const problem = passwordProblem(context.value);
  if (problem) context.issues.push({ code: 'custom', input: context.value, message: problem });
});
const role = z.enum(ROLES, { error: 'role must be viewer, operator or admin' });
const userId = z.string({ error: 'user id must be text' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'user id is not valid');
const reason = reasonText;

function parser<S extends z.ZodType>(schema: S, shape: string) {
  return (input: unknown): Parsed<z.infer<S>> => {
    const parsed = schema.safeParse(input);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, error: firstIssue(parsed.error.issues, shape) };
  };
}

interface UserRow {
  id: string;
  username: string | null;
  role: string | null;
  banned: boolean | null;
}

async function findUser(pool: pg.Pool, id: string): Promise<UserRow | undefined> {
  const { rows } = await pool.query<UserRow>('SELECT id, username, role, banned FROM console_user WHERE id = $1', [id]);
  return rows[0];
}

const userState = (user: UserRow) => ({ username: user.username, role: user.role, disabled: Boolean(user.banned) });
type UserState = ReturnType<typeof userState>;

interface UserChange {
  user: UserRow;
  before: UserState;
  /** The change is refused (409), naming the user and its state. */
  refuse(error: string): MutationOutcome;
  /** The change is made. */
  done(message: string, after: UserState): MutationOutcome;
}

/** Runs `work` on the user `id` names, or answers 404 when there is none. */
async function changeUser(
  pool: pg.Pool,
  id: string,
  work: (change: UserChange) => Promise<MutationOutcome>,
): Promise<MutationOutcome> {
  const user = await findUser(pool, id);
  if (!user) return { ok: false, outcome: 'invalid', status: 404, error: `no user with id ${id}` };
  const before = userState(user);
  const target = `user/${user.username ?? user.id}`;
  return work({
    user,
    before,
    refuse: (error) => ({ target, ok: false, outcome: 'invalid', status: 409, error, before }),
    done: (message, after) => ({ target, ok: true, message, before, after }),
  });
}

/** Another enabled admin remains after `id` stops being one (nobody can lock everyone out). */
async function anotherAdmin(pool: pg.Pool, id: string): Promise<boolean> {
  const { rows } = await pool.query<{ count: string }>(
    `SELECT count(*) FROM console_user WHERE role = 'admin' AND coalesce(banned, false) = false AND id <> $1`,
    [id],
  );
  return Number(rows[0].count) > 0;
}

const createInput = z
  .object({
    username,
    name: z
      .string()
      .trim()
      .max(100, 'name must be at most 100 characters')
      .refine((text) => !CONTROL.test(text), 'name must not contain control characters')
      .optional(),
    password,
    role,
  })
  .superRefine((value, context) => {
    if (passwordProblem(value.password, value.username) === PASSWORD_RULES.username)
      context.addIssue({ code: 'custom', path: ['password'], message: PASSWORD_RULES.username });
  });

export const createUserMutation: Mutation<z.infer<typeof createInput>> = {
  action: 'user.create',
  permission: 'users:manage',
  parse: parser(createInput, '{ username, password, role }'),
  rawTarget: (input) => rawField(input, 'username'),
  target: (value) => `user/${value.username}`,
  run: async (value, _actor, context) => {
    const { rows } = await context
      .consolePool()
      .query('SELECT 1 FROM console_user WHERE username = $1', [value.username]);
    if (rows.length > 0)
      return { ok: false, outcome: 'invalid', status: 409, error: `a user named ${value.username} already exists` };
    const auth = await context.auth();
    const { user } = await auth.api.createUser({
      body: {
        email: localEmail(value.username),
        password: value.password,
        name: value.name || value.username,
        role: value.role,
        data: { username: value.username, displayUsername: value.username },
      },
    });
    return {
      ok: true,
      message: `${value.username} can now sign in as ${value.role}.`,
      after: { id: user.id, username: value.username, role: value.role },
    };
  },
};

const roleInput = z.object({ userId, role });

export const setUserRoleMutation: Mutation<z.infer<typeof roleInput>> = {
  action: 'user.set-role',
  permission: 'users:manage',
  parse: parser(roleInput, '{ userId, role }'),
  rawTarget: (input) => rawField(input, 'userId'),
  target: (value) => `user/${value.userId}`,
  run: (value, _actor, context) =>
    changeUser(context.consolePool(), value.userId, async ({ user, before, refuse, done }) => {
      if (user.role === value.role) return refuse(`${user.username} is already ${value.role}`);
      if (user.role === 'admin' && !(await anotherAdmin(context.consolePool(), user.id)))
        return refuse(`${user.username} is the last admin; make someone else admin first`);
      await context
        .consolePool()
        .query(`UPDATE console_user SET role = $2, "updatedAt" = now() WHERE id = $1`, [user.id, value.role]);
      return done(`${user.username} is now ${value.role}.`, { ...before, role: value.role });
    }),
};

const disableInput = z.object({ userId, reason });

export const disableUserMutation: Mutation<z.infer<typeof disableInput>> = {
  action: 'user.disable',
  permission: 'users:manage',
  parse: parser(disableInput, '{ userId, reason }'),
  rawTarget: (input) => rawField(input, 'userId'),
  target: (value) => `user/${value.userId}`,
  reason: (value) => value.reason,
  run: (value, actor, context) =>
    changeUser(context.consolePool(), value.userId, async ({ user, before, refuse, done }) => {
      if (user.id === actor.id) return refuse('you cannot disable your own account');
      if (user.banned) return refuse(`${user.username} is already disabled`);
      if (user.role === 'admin' && !(await anotherAdmin(context.consolePool(), user.id)))
        return refuse(`${user.username} is the last admin`);
      const pool = context.consolePool();
      await pool.query(`UPDATE console_user SET banned = true, "banReason" = $2, "updatedAt" = now() WHERE id = $1`, [
        user.id,
        value.reason,
      ]);
      const ended = await pool.query(`DELETE FROM console_session WHERE "userId" = $1`, [user.id]);
      const streams = openStreams().endFor(user.id);
      return done(
        `${user.username} is disabled; ${ended.rowCount ?? 0} session(s) and ${streams} live stream(s) ended.`,
        { ...before, disabled: true },
      );
    }),
};

const enableInput = z.object({ userId });

export const enableUserMutation: Mutation<z.infer<typeof enableInput>> = {
  action: 'user.enable',
  permission: 'users:manage',
  parse: parser(enableInput, '{ userId }'),
  rawTarget: (input) => rawField(input, 'userId'),
  target: (value) => `user/${value.userId}`,
  run: (value, _actor, context) =>
    changeUser(context.consolePool(), value.userId, async ({ user, before, refuse, done }) => {
      if (!user.banned) return refuse(`${user.username} is not disabled`);
      await context
        .consolePool()
        .query(
          `UPDATE console_user SET banned = false, "banReason" = NULL, "banExpires" = NULL, "updatedAt" = now() WHERE id = $1`,
          [user.id],
        );
      return done(`${user.username} can sign in again.`, { ...before, disabled: false });
    }),
};

const passwordInput = z.object({ userId, password });

export const setUserPasswordMutation: Mutation<z.infer<typeof passwordInput>> = {
  action: 'user.set-password',
  permission: 'users:manage',
  parse: parser(passwordInput, '{ userId, password }'),
  rawTarget: (input) => rawField(input, 'userId'),
  target: (value) => `user/${value.userId}`,
  run: (value, _actor, context) =>
    changeUser(context.consolePool(), value.userId, async ({ user, before, refuse, done }) => {
      if (passwordProblem(value.password, user.username) === PASSWORD_RULES.username) {
        return {
          target: `user/${user.username ?? user.id}`,
          ok: false,
          outcome: 'invalid',
          status: 400,
          error: PASSWORD_RULES.username,
          before,
        };
      }
      const hash = await (await (await context.auth()).$context).password.hash(value.password);
      const pool = context.consolePool();
      const updated = await pool.query(
        `UPDATE console_account SET password = $2, "updatedAt" = now() WHERE "userId" = $1 AND "providerId" = 'credential'`,
        [user.id, hash],
      );
      if (updated.rowCount === 0)
        return refuse(`${user.username} signs in through single sign-on and has no password here`);
      await pool.query(`DELETE FROM console_session WHERE "userId" = $1`, [user.id]);
      // The password itself is never recorded.
      return done(`New password set for ${user.username}; their sessions ended.`, before);
    }),
};

/**
 * A change of a user that does not exist (POST /api/users/<id>/delete): refused like any invalid
 * input, after the same session, origin and role checks, so the attempt is on record (one audit row,
 * action user.unknown-change, the name asked for in its message).
 */
export function unknownUserChange(change: string, known: readonly string[]): Mutation<never> {
  return {
    action: 'user.unknown-change',
    permission: 'users:manage',
    parse: () => ({ ok: false, error: `unknown change "${change.slice(0, 60)}"; one of: ${known.join(', ')}` }),
    rawTarget: (input) => {
      const id = rawField(input, 'userId');
      return id === null ? null : `user/${id.slice(0, 100)}`;
    },
    target: () => '',
    run: async () => ({ ok: false, outcome: 'invalid', status: 400, error: 'unknown change' }),
  };
}
