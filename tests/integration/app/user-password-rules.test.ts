// Refused user changes through the mutation runner against a real console database: a new user
// named "anonymous", a password that is the username or a common one (at creation and when an admin
// sets a new one). Each refusal is a 400 naming the rule, leaves the account as it was, and writes
// exactly one audit row with outcome invalid, without the password.
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';

import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { testServers } from '../../support/test-databases';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { createUserMutation, setUserPasswordMutation } = await import('@/lib/actions/user-mutations');

const server = testServers()[0];
const LEAD_PASSWORD = 'a-fine-long-password';

describe(`user password and name rules through the mutation runner on ${server.name}`, () => {
  let fixture: ConsoleAuthFixture;
  let pool: pg.Pool;
  let headers: Headers;
  let leadId: string;

  const signIn = (username: string, password: string) => fixture.signIn(username, password);
  const rows = async (action: string) => await listAudit(pool, { action }, 100);

  beforeAll(async () => {
    fixture = await consoleAuthFixture({ server });
    pool = fixture.pool;
    headers = fixture.adminHeaders;
    const created = await runMutation(
      fixture.context,
      createUserMutation,
      { username: 'operations-lead', password: LEAD_PASSWORD, role: 'viewer' },
      headers,
    );
    expect(created).toMatchObject({ ok: true });
    leadId = (await pool.query<{ id: string }>(`SELECT id FROM console_user WHERE username = 'operations-lead'`))
      .rows[0].id;
  });

  afterAll(async () => {
    await fixture?.close();
  });

  beforeEach(async () => {
    await pool.query(`
      ALTER TABLE console_audit_log DISABLE TRIGGER USER;
      TRUNCATE console_audit_log RESTART IDENTITY;
      ALTER TABLE console_audit_log ENABLE TRIGGER USER;
    `);
  });

  it.each([
    ['the username in another case', 'OPERATIONS-LEAD', 'password must not be the username'],
    [
      'a common password',
      'qwerty123456',
      'password is one of the most common passwords; choose one that is harder to guess',
    ],
    ['a short one', 'elevenchars', 'password must be at least 12 characters'],
  ])(
    'a new password that is %s is refused with 400 and exactly one audit row, outcome invalid',
    async (_, password, message) => {
      const result = await runMutation(fixture.context, setUserPasswordMutation, { userId: leadId, password }, headers);
      expect(result).toEqual({ ok: false, outcome: 'invalid', status: 400, error: message });
      const audit = await rows('user.set-password');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: 'admin', outcome: 'invalid', detail: message });
      // The password is never recorded (the target and state name the user, whose name this one may be).
      const { target, stateBefore, ...rest } = audit[0];
      expect([leadId, 'user/operations-lead']).toContain(target);
      expect([null, { username: 'operations-lead', role: 'viewer', disabled: false }]).toContainEqual(stateBefore);
      expect(JSON.stringify(rest).toLowerCase()).not.toContain(password.toLowerCase());
      expect(await listAudit(pool, {}, 100)).toHaveLength(1);
      // The password did not change.
      expect((await signIn('operations-lead', LEAD_PASSWORD)).status).toBe(200);
      expect((await signIn('operations-lead', password)).status).toBe(401);
    },
  );

  it('a good new password is set, with one audit row, outcome ok', async () => {
    const result = await runMutation(
      fixture.context,
      setUserPasswordMutation,
      { userId: leadId, password: 'another-fine-password' },
      headers,
    );
    expect(result).toMatchObject({ ok: true });
    expect((await rows('user.set-password')).map((row) => row.outcome)).toEqual(['ok']);
    expect((await signIn('operations-lead', 'another-fine-password')).status).toBe(200);
    await runMutation(fixture.context, setUserPasswordMutation, { userId: leadId, password: LEAD_PASSWORD }, headers);
  });

  it.each([
    [
      { username: 'anonymous', password: LEAD_PASSWORD, role: 'viewer' },
      'username "anonymous" is reserved: the audit log records callers who are not signed in as "anonymous"',
    ],
    [
      { username: 'Anonymous', password: LEAD_PASSWORD, role: 'viewer' },
      'username "Anonymous" is reserved: the audit log records callers who are not signed in as "anonymous"',
    ],
    [
      { username: 'night-shift-team', password: 'Night-Shift-Team', role: 'viewer' },
      'password must not be the username',
    ],
    [
      { username: 'night-shift', password: 'password1234', role: 'viewer' },
      'password is one of the most common passwords; choose one that is harder to guess',
    ],
  ])('creating %j is refused with 400 and exactly one audit row, outcome invalid', async (input, message) => {
    const result = await runMutation(fixture.context, createUserMutation, input, headers);
    expect(result).toEqual({ ok: false, outcome: 'invalid', status: 400, error: message });
    const audit = await rows('user.create');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'admin', outcome: 'invalid', detail: message, target: input.username });
    expect(
      (await pool.query('SELECT 1 FROM console_user WHERE lower(username) = lower($1)', [input.username])).rowCount,
    ).toBe(0);
  });

  // Inputs an outside probe answered with a 500 and no audit row: each is now a 4xx with one row.
  const deepJson = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  const byRequest = async (requestId: string) => await listAudit(pool, { requestId }, 10);

  it('JSON nested 20,000 deep to POST /api/users: refused before it is parsed, 401 anonymous and 400 for an admin, one audit row each', async () => {
    const { POST } = await import('@/app/api/users/route');
    const anonymous = await POST(
      new Request(`${APP}/api/users`, {
        method: 'POST',
        headers: { origin: APP, host: 'localhost:3000', 'x-request-id': 'deep-anonymous' },
        body: deepJson,
      }),
    );
    expect(anonymous.status).toBe(401);
    expect(await byRequest('deep-anonymous')).toMatchObject([
      { actor: 'anonymous', outcome: 'denied', action: 'user.create' },
    ]);
    const admin = new Headers(headers);
    admin.set('x-request-id', 'deep-admin');
    const signedIn = await POST(new Request(`${APP}/api/users`, { method: 'POST', headers: admin, body: deepJson }));
    expect(signedIn.status).toBe(400);
    expect(await signedIn.json()).toMatchObject({ error: 'the request body nests more than 32 levels deep' });
    expect(await byRequest('deep-admin')).toMatchObject([
      {
        actor: 'admin',
        outcome: 'invalid',
        action: 'user.create',
        detail: 'the request body nests more than 32 levels deep',
      },
    ]);
  });

  it('an unknown user change (POST /api/users/<id>/delete) is a 400 naming the changes there are, with one audit row, and changes nothing', async () => {
    const { POST } = await import('@/app/api/users/[id]/[change]/route');
    const admin = new Headers(headers);
    admin.set('x-request-id', 'unknown-change');
    const response = await POST(
      new Request(`${APP}/api/users/${leadId}/delete`, { method: 'POST', headers: admin, body: '{}' }),
      { params: Promise.resolve({ id: leadId, change: 'delete' }) },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      ok: false,
      error: 'unknown change "delete"; one of: role, disable, enable, password',
    });
    expect(await byRequest('unknown-change')).toMatchObject([
      { actor: 'admin', outcome: 'invalid', action: 'user.unknown-change', target: `user/${leadId}` },
    ]);
    expect((await pool.query('SELECT 1 FROM console_user WHERE id = $1', [leadId])).rowCount).toBe(1);
  });
});
