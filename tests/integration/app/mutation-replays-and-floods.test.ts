// Two things an outside probe did to the change endpoints (issue 15, items 5 and 6), against a
// real console database through the mutation runner every route and server action uses:
//  - a replayed request (same idempotency key) repeated the change: now it runs once, the replay
//    gets the first answer and one audit row saying it was refused as a replay;
//  - anonymous callers wrote 100 rows a second with 2,000-character reasons: now at most
//    ANONYMOUS_ROWS_PER_SOURCE compact rows a minute per address, 429 beyond.
// And a user's changes per minute are one limit for every console replica on the database
// (issue 18): changes made through two replicas, each its own pool and limiter, reach it together.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import { ANONYMOUS_ROWS_PER_SOURCE } from '@/lib/audit/anonymous-attempts';
import { createConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import type { AppContext } from '@/lib/context/app-context';
import { SharedRateLimiter } from '@/lib/security/shared-rate-limiter';

import { testAppContext } from '../../support/app-context';
import { ADMIN_PASSWORD, APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { createUserMutation, setUserRoleMutation } = await import('@/lib/actions/user-mutations');

describe('replays and floods of changes', () => {
  let console_: ConsoleAuthFixture;
  const withRequest = (headers: Headers, requestId: string, extra: Record<string, string> = {}) => {
    const copy = new Headers(headers);
    copy.set('x-request-id', requestId);
    for (const [name, value] of Object.entries(extra)) copy.set(name, value);
    return copy;
  };
  const usersNamed = async (username: string) =>
    Number(
      (await console_.pool.query('SELECT count(*) FROM console_user WHERE username = $1', [username])).rows[0].count,
    );

  beforeAll(async () => {
    console_ = await consoleAuthFixture();
  });
  afterAll(async () => {
    await console_?.close();
  });
  beforeEach(() => {
    (globalThis as Record<symbol, unknown>)[Symbol.for('sentinel-console.anonymous-attempts')] = undefined;
  });

  it('the same create posted twice with one key makes one user; the replay gets the first answer and a "denied" row naming the first request', async () => {
    const input = {
      username: 'replayed-user',
      password: 'a-fine-long-password',
      role: 'viewer',
      idempotencyKey: 'key-0123456789abcdef',
    };
    const first = await runMutation(
      console_.context,
      createUserMutation,
      input,
      withRequest(console_.adminHeaders, 'replay-first'),
    );
    const second = await runMutation(
      console_.context,
      createUserMutation,
      input,
      withRequest(console_.adminHeaders, 'replay-second'),
    );
    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual(first);
    expect(await usersNamed('replayed-user')).toBe(1);
    expect(await listAudit(console_.pool, { requestId: 'replay-first' }, 10)).toMatchObject([
      { action: 'user.create', outcome: 'ok' },
    ]);
    expect(await listAudit(console_.pool, { requestId: 'replay-second' }, 10)).toMatchObject([
      {
        action: 'user.create',
        outcome: 'denied',
        detail: 'replay of request replay-first (same idempotency key): not run again, its answer repeated',
      },
    ]);
  });

  it('without a key, the same create posted twice is tried twice (the second refused: the name is taken)', async () => {
    const input = { username: 'keyless-user', password: 'a-fine-long-password', role: 'viewer' };
    expect(await runMutation(console_.context, createUserMutation, input, console_.adminHeaders)).toMatchObject({
      ok: true,
    });
    expect(await runMutation(console_.context, createUserMutation, input, console_.adminHeaders)).toMatchObject({
      ok: false,
      status: 409,
    });
  });

  it('a key used for one change and sent with another is refused (409) and the other change does not run', async () => {
    const key = 'key-for-one-change-only';
    expect(
      await runMutation(
        console_.context,
        createUserMutation,
        { username: 'first-of-key', password: 'a-fine-long-password', role: 'viewer', idempotencyKey: key },
        console_.adminHeaders,
      ),
    ).toMatchObject({ ok: true });
    const other = await runMutation(
      console_.context,
      createUserMutation,
      { username: 'second-of-key', password: 'a-fine-long-password', role: 'viewer', idempotencyKey: key },
      withRequest(console_.adminHeaders, 'key-reused'),
    );
    expect(other).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 409,
      error:
        'this idempotency key was used for another change (user.create of user/first-of-key, or other values); use a new key for each change',
    });
    expect(await usersNamed('second-of-key')).toBe(0);
    expect(await listAudit(console_.pool, { requestId: 'key-reused' }, 10)).toMatchObject([
      { outcome: 'invalid', target: 'user/second-of-key' },
    ]);
  });

  it('takes the key from the Idempotency-Key header too, and refuses a malformed one or two that differ', async () => {
    const user = (
      await console_.pool.query<{ id: string }>(`SELECT id FROM console_user WHERE username = 'replayed-user'`)
    ).rows[0].id;
    const headers = withRequest(console_.adminHeaders, 'header-key', { 'idempotency-key': 'header-key-0123456789' });
    expect(
      await runMutation(console_.context, setUserRoleMutation, { userId: user, role: 'operator' }, headers),
    ).toMatchObject({ ok: true });
    // The same key and values again: the first answer, not run again.
    expect(
      await runMutation(console_.context, setUserRoleMutation, { userId: user, role: 'operator' }, headers),
    ).toMatchObject({ ok: true });
    // The same key with another value is another change: refused, and the role stays operator.
    expect(
      await runMutation(console_.context, setUserRoleMutation, { userId: user, role: 'admin' }, headers),
    ).toMatchObject({ ok: false, status: 409 });
    expect((await console_.pool.query('SELECT role FROM console_user WHERE id = $1', [user])).rows[0].role).toBe(
      'operator',
    );

    expect(
      await runMutation(
        console_.context,
        setUserRoleMutation,
        { userId: user, role: 'viewer', idempotencyKey: 'short' },
        console_.adminHeaders,
      ),
    ).toEqual({
      ok: false,
      outcome: 'invalid',
      status: 400,
      error: 'idempotency key must be 16 to 100 letters, digits, "-" or "_"',
    });
    const differing = withRequest(console_.adminHeaders, 'differing-keys', {
      'idempotency-key': 'header-key-aaaaaaaaaaaa',
    });
    expect(
      await runMutation(
        console_.context,
        setUserRoleMutation,
        { userId: user, role: 'viewer', idempotencyKey: 'field-key-bbbbbbbbbbbb' },
        differing,
      ),
    ).toMatchObject({ status: 400, error: 'the Idempotency-Key header and the idempotencyKey field differ' });
    expect((await console_.pool.query('SELECT role FROM console_user WHERE id = $1', [user])).rows[0].role).toBe(
      'operator',
    );
  });

  it('a key whose first request never answered (its process died) is taken over by a retry after five minutes, not refused for a day', async () => {
    const input = {
      username: 'abandoned-key-user',
      password: 'a-fine-long-password',
      role: 'viewer',
      idempotencyKey: 'key-of-a-dead-request',
    };
    const { inputFingerprint } = await import('@/lib/actions/idempotency');
    const actorId = (await console_.pool.query<{ id: string }>(`SELECT id FROM console_user WHERE username = 'admin'`))
      .rows[0].id;
    const hash = inputFingerprint({ username: 'abandoned-key-user', password: 'a-fine-long-password', role: 'viewer' });
    await console_.pool.query(
      `INSERT INTO console_mutation_keys (actor_id, key, action, target, input_hash, request_id, created_at) VALUES ($1, $2, 'user.create', 'user/abandoned-key-user', $3, 'dead-request', now() - interval '1 minute')`,
      [actorId, input.idempotencyKey, hash],
    );
    // A minute old: still taken to be running.
    expect(await runMutation(console_.context, createUserMutation, input, console_.adminHeaders)).toMatchObject({
      ok: false,
      status: 409,
      error: 'the same change (idempotency key) is still running as request dead-request',
    });
    await console_.pool.query(
      `UPDATE console_mutation_keys SET created_at = now() - interval '6 minutes' WHERE key = $1`,
      [input.idempotencyKey],
    );
    expect(await runMutation(console_.context, createUserMutation, input, console_.adminHeaders)).toMatchObject({
      ok: true,
    });
    expect(await usersNamed('abandoned-key-user')).toBe(1);
  });

  it(`anonymous attempts from one address: ${ANONYMOUS_ROWS_PER_SOURCE} compact rows, then 429 without rows; another address is still recorded`, async () => {
    const before = (await listAudit(console_.pool, { actor: 'anonymous' }, 1_000)).length;
    const flood = new Headers({ origin: APP, host: 'localhost:3000', 'x-forwarded-for': '198.51.100.66' });
    const answers = [];
    for (let attempt = 0; attempt < ANONYMOUS_ROWS_PER_SOURCE + 20; attempt++) {
      answers.push(
        await runMutation(
          console_.context,
          createUserMutation,
          { username: `flood-${attempt}`, password: 'x'.repeat(100), role: 'admin', reason: 'r'.repeat(2_000) },
          flood,
        ),
      );
    }
    expect(answers.slice(0, ANONYMOUS_ROWS_PER_SOURCE).every((answer) => !answer.ok && answer.status === 401)).toBe(
      true,
    );
    expect(answers.slice(ANONYMOUS_ROWS_PER_SOURCE).every((answer) => !answer.ok && answer.status === 429)).toBe(true);
    const rows = (await listAudit(console_.pool, { actor: 'anonymous' }, 1_000)).slice(0, -before || undefined);
    expect(rows).toHaveLength(ANONYMOUS_ROWS_PER_SOURCE);
    expect(
      rows.every(
        (row) => row.clientAddress === '198.51.100.66' && row.stateBefore === null && (row.reason ?? '').length <= 130,
      ),
    ).toBe(true);

    const other = await runMutation(
      console_.context,
      createUserMutation,
      { username: 'other-address' },
      new Headers({
        origin: APP,
        host: 'localhost:3000',
        'x-forwarded-for': '203.0.113.5',
        'x-request-id': 'other-address',
      }),
    );
    expect(other).toMatchObject({ status: 401 });
    expect(await listAudit(console_.pool, { requestId: 'other-address' }, 10)).toHaveLength(1);
  });

  describe('the changes per user per minute, across two console replicas', () => {
    const holder = globalThis as unknown as { sentinelMutationLimiter?: SharedRateLimiter };
    let otherPool: pg.Pool;
    /** The second replica's app context: its own pool and Better Auth on the same database. */
    let other: AppContext;
    let created = 0;

    beforeAll(async () => {
      otherPool = new pg.Pool({ connectionString: console_.database.url, max: 3 });
      const settings = authSettingsFromEnv({
        CONSOLE_DATABASE_URL: console_.database.url,
        CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      });
      const auth = createConsoleAuth({
        pool: otherPool,
        secret: await consoleSecret(console_.pool, settings.secret),
        settings,
      });
      other = testAppContext({ consolePool: otherPool, auth });
    });
    afterAll(async () => {
      holder.sentinelMutationLimiter = undefined;
      // The counts these tests made (on their own clocks) are not the next tests' business.
      await console_.pool.query(`DELETE FROM console_rate_windows`);
      await otherPool?.end();
    });

    /** Each replica's limiter of `limit` changes a minute, on one clock. */
    function replicasAt(limit: number) {
      const clock = { now: Date.now() };
      const limiters = [0, 1].map(() => new SharedRateLimiter('changes', limit, 60_000, () => clock.now));
      const contexts = [console_.context, other];
      /** A new user made through replica `replica` (whose limiter the runner then uses). */
      const create = (replica: number, username = `replica-made-${++created}`) => {
        holder.sentinelMutationLimiter = limiters[replica];
        return runMutation(
          contexts[replica],
          createUserMutation,
          { username, password: 'a-fine-long-password', role: 'viewer' },
          console_.adminHeaders,
        );
      };
      return { clock, create };
    }

    it('changes spread across both replicas reach the cap together; a refused change does not count', async () => {
      await console_.pool.query(`DELETE FROM console_rate_windows`);
      const { clock, create } = replicasAt(3);
      // Refused by the change itself (the name is taken): no place kept on either replica.
      expect(await create(1, 'admin')).toMatchObject({ ok: false, status: 409 });
      expect([(await create(0)).ok, (await create(1)).ok, (await create(0)).ok]).toEqual([true, true, true]);
      for (const replica of [1, 0])
        expect(await create(replica)).toEqual({
          ok: false,
          outcome: 'denied',
          status: 429,
          error: 'too many changes; try again in 60 s',
        });
      clock.now += 60_000;
      expect(await create(1)).toMatchObject({ ok: true });
    });

    it('changes sent at once through both replicas are counted together: exactly the cap run', async () => {
      await console_.pool.query(`DELETE FROM console_rate_windows`);
      const { create } = replicasAt(3);
      const before = Number((await console_.pool.query('SELECT count(*) FROM console_user')).rows[0].count);
      // The runner takes this process's limiter when it gets to the rate; what the replicas share, and
      // race on, is the row in the database, reached here through each replica's own pool.
      const answers = await Promise.all(Array.from({ length: 8 }, (_, change) => create(change % 2)));
      expect(answers.filter((answer) => answer.ok)).toHaveLength(3);
      expect(answers.filter((answer) => !answer.ok && answer.status === 429)).toHaveLength(5);
      const after = Number((await console_.pool.query('SELECT count(*) FROM console_user')).rows[0].count);
      expect(after - before).toBe(3);
    });
  });
});
