// Password guessing against Better Auth as the console configures it, on a real console database
// (issue 15, items 2 and 6). The probe's reproduction: twelve wrong passwords, each with a new
// forged X-Forwarded-For, all answered 401 and the right password then signed in. Now the account
// itself is throttled after five failures in a row, whatever address each attempt claims, with a
// delay that doubles; and a disabled account answers the right password exactly as a wrong one.
// The count is kept in the console database (issue 18): two console replicas, each its own Better
// Auth, pool and throttle on one database, count one limit; without the database, sign-in is refused.
import net from 'node:net';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createConsoleAuth, type ConsoleAuth } from '@/lib/auth/auth-config';
import { authSettingsFromEnv } from '@/lib/auth/auth-settings';
import { consoleSecret } from '@/lib/auth/console-secret';
import { FREE_FAILURES, SignInThrottle } from '@/lib/auth/sign-in-throttle';

import { ADMIN_PASSWORD, APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';
import { testServers } from '../../support/test-databases';

const server = testServers()[0];

describe(`sign-in limits per account on ${server.name}`, () => {
  let fixture: ConsoleAuthFixture;
  let pool: pg.Pool;
  let auth: ConsoleAuth;
  const clock = { now: Date.parse('2026-12-06T12:00:00Z') };
  let forged = 0;

  const signIn = (username: string, password: string, through: ConsoleAuth = auth) =>
    through.handler(
      new Request(`${APP}/api/auth/sign-in/username`, {
        method: 'POST',
        // A new address for every attempt, as the probe forged them.
        headers: { 'content-type': 'application/json', origin: APP, 'x-forwarded-for': `203.0.113.${++forged % 250}` },
        body: JSON.stringify({ username, password }),
      }),
    );
  const answer = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as { code?: string; message?: string },
  });

  beforeAll(async () => {
    fixture = await consoleAuthFixture({ server, throttle: new SignInThrottle(() => clock.now) });
    ({ pool, auth } = fixture);
  });

  /** Another console replica: its own pool on `url`, Better Auth and throttle (on the test's clock). */
  const replicas: pg.Pool[] = [];
  async function replica(url = fixture.database.url): Promise<ConsoleAuth> {
    const replicaPool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5_000 });
    replicaPool.on('error', () => {});
    replicas.push(replicaPool);
    const settings = authSettingsFromEnv({ CONSOLE_DATABASE_URL: url, CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD });
    return createConsoleAuth({
      pool: replicaPool,
      secret: await consoleSecret(pool, settings.secret),
      settings,
      throttle: new SignInThrottle(() => clock.now),
    });
  }

  afterAll(async () => {
    await Promise.all(replicas.map((replicaPool) => replicaPool.end()));
    await fixture?.close();
  });

  it('twelve wrong passwords from twelve addresses do not open the way for the right one; after the delay it signs in', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++)
      statuses.push((await signIn('admin', `wrong-password-${attempt}`)).status);
    expect(statuses.slice(0, FREE_FAILURES)).toEqual(Array(FREE_FAILURES).fill(401));
    // The sixth comes within the first delay: refused before the password is looked at, and so
    // are the rest (refused attempts do not lengthen the delay, they just never get checked).
    expect(statuses.slice(FREE_FAILURES)).toEqual(Array(12 - FREE_FAILURES).fill(429));

    const refused = await signIn('admin', ADMIN_PASSWORD);
    expect(await answer(refused)).toMatchObject({
      status: 429,
      body: { code: 'ACCOUNT_THROTTLED', message: 'Too many failed sign-ins for this account; try again in 2 s' },
    });
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.getSetCookie().some((cookie) => cookie.startsWith('sentinel-console.session_token='))).toBe(
      false,
    );

    // A wrong password once the delay passed doubles it.
    clock.now += 2_000;
    expect((await signIn('admin', 'wrong-password-again')).status).toBe(401);
    expect(await answer(await signIn('admin', ADMIN_PASSWORD))).toMatchObject({
      status: 429,
      body: { message: 'Too many failed sign-ins for this account; try again in 4 s' },
    });

    clock.now += 4_000;
    const signedIn = await signIn('admin', ADMIN_PASSWORD);
    expect(signedIn.status).toBe(200);
    // The success cleared the count: the next typo is free again.
    expect((await signIn('admin', 'one-typo-password')).status).toBe(401);
    expect((await signIn('admin', ADMIN_PASSWORD)).status).toBe(200);
  });

  it('a name that does not exist is throttled the same way, so the answers never tell which names are real', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FREE_FAILURES + 1; attempt++)
      statuses.push((await signIn('nobody-here', `guess-password-${attempt}`)).status);
    expect(statuses).toEqual([...Array(FREE_FAILURES).fill(401), 429]);
  });

  it('a disabled account answers the right password exactly as a wrong one: 401, same body, no session', async () => {
    const hash = (
      await pool.query<{ password: string }>(
        `SELECT a.password FROM console_account a JOIN console_user u ON u.id = a."userId" WHERE u.username = 'admin'`,
      )
    ).rows[0].password;
    const {
      rows: [user],
    } = await pool.query<{ id: string }>(
      `INSERT INTO console_user (id, name, email, "emailVerified", "createdAt", "updatedAt", username, "displayUsername", role, banned, "banReason")
       VALUES ('disabled-user', 'Former lead', 'former@console.local', false, now(), now(), 'former-lead', 'former-lead', 'operator', true, 'left the team') RETURNING id`,
    );
    // The same password as the admin's (its hash copied), so the right one is known here.
    await pool.query(
      `INSERT INTO console_account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt") VALUES ('disabled-account', $1, 'credential', $1, $2, now(), now())`,
      [user.id, hash],
    );

    const right = await signIn('former-lead', ADMIN_PASSWORD);
    const wrong = await signIn('former-lead', 'not-the-password-at-all');
    const [rightAnswer, wrongAnswer] = [await answer(right), await answer(wrong)];
    expect(rightAnswer).toEqual(wrongAnswer);
    expect(rightAnswer).toMatchObject({ status: 401, body: { code: 'INVALID_USERNAME_OR_PASSWORD' } });
    expect(right.headers.getSetCookie().some((cookie) => cookie.startsWith('sentinel-console.session_token='))).toBe(
      false,
    );
    expect(
      (await pool.query(`SELECT count(*)::int AS n FROM console_session WHERE "userId" = $1`, [user.id])).rows[0].n,
    ).toBe(0);
  });

  it('a disabled account in upper case is refused like any name Better Auth does not accept (422), not found by the disabled check', async () => {
    const upper = await answer(await signIn('Former-Lead', ADMIN_PASSWORD));
    const unknown = await answer(await signIn('Nobody-Else', ADMIN_PASSWORD));
    expect(upper).toEqual(unknown);
    expect(upper.status).toBe(422);
  });

  it('forty guesses sent at once are not all checked: the attempt is counted before the password is', async () => {
    const name = 'parallel-target';
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, attempt) =>
        signIn(name, `parallel-guess-${attempt}`).then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(FREE_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40 - FREE_FAILURES);
  });

  it(`two console replicas count one limit: ${FREE_FAILURES} wrong passwords spread across both, the next is refused on either`, async () => {
    const other = await replica();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FREE_FAILURES; attempt++)
      statuses.push((await signIn('two-replicas', `spread-guess-${attempt}`, attempt % 2 ? other : auth)).status);
    expect(statuses).toEqual(Array(FREE_FAILURES).fill(401));
    for (const through of [auth, other])
      expect(await answer(await signIn('two-replicas', 'one-more-guess', through))).toMatchObject({
        status: 429,
        body: { code: 'ACCOUNT_THROTTLED', message: 'Too many failed sign-ins for this account; try again in 2 s' },
      });
  });

  it('two console replicas racing: forty guesses sent at once through both are counted together', async () => {
    const other = await replica();
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, attempt) =>
        signIn('racing-replicas', `racing-guess-${attempt}`, attempt % 2 ? other : auth).then(
          (response) => response.status,
        ),
      ),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(FREE_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40 - FREE_FAILURES);
  });

  it('when the console database goes away the limit cannot be checked, so sign-in is refused (503), not let through', async () => {
    // The replica reaches the database through a relay the test can cut.
    const database = new URL(fixture.database.url);
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect(Number(database.port), database.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => [client, upstream].forEach((each) => each.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayed = new URL(database);
    relayed.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const away = await replica(relayed.toString());
    // Up: a wrong password is answered as usual.
    expect((await signIn('relayed-user', 'wrong-password-here', away)).status).toBe(401);
    await new Promise((resolve) => {
      relay.close(resolve);
      for (const socket of sockets) socket.destroy();
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const refused = await signIn('admin', ADMIN_PASSWORD, away);
      expect(await answer(refused)).toMatchObject({
        status: 503,
        body: {
          code: 'SIGN_IN_LIMIT_UNAVAILABLE',
          message:
            'Sign-in is unavailable: the console database, which keeps the sign-in limits, cannot be reached; try again shortly',
        },
      });
      expect(
        refused.headers.getSetCookie().some((cookie) => cookie.startsWith('sentinel-console.session_token=')),
      ).toBe(false);
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/^\[sign-in\] refused: the sign-in limit could not be checked: /),
      );
    } finally {
      logged.mockRestore();
    }
  });

  it("a browser that signed in to the account before is not kept out by someone else's wrong guesses", async () => {
    const own = await signIn('admin', ADMIN_PASSWORD);
    expect(own.status).toBe(200);
    const knownDevice = own.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .find((cookie) => cookie.startsWith('sentinel-console.known_device='));
    expect(knownDevice).toBeDefined();
    const guesses: number[] = [];
    for (let attempt = 0; attempt < FREE_FAILURES + 3; attempt++)
      guesses.push((await signIn('admin', `attacker-guess-${attempt}`)).status);
    expect(guesses).toEqual([...Array(FREE_FAILURES).fill(401), 429, 429, 429]);
    expect((await signIn('admin', ADMIN_PASSWORD)).status).toBe(429);
    const withCookie = (cookie: string) =>
      auth.handler(
        new Request(`${APP}/api/auth/sign-in/username`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: APP, cookie },
          body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
        }),
      );
    // A cookie cannot be made up, nor one for another name used.
    expect((await withCookie('sentinel-console.known_device=admin.forged-signature')).status).toBe(429);
    expect((await withCookie(knownDevice!.replace('known_device=admin', 'known_device=other'))).status).toBe(429);
    expect((await withCookie(knownDevice!)).status).toBe(200);
  });

  it.each([
    ['/sign-in/email', { email: 'admin@local.sentinel-console.invalid', password: ADMIN_PASSWORD }],
    ['/update-user', { username: 'anonymous' }],
    ['/change-password', { currentPassword: ADMIN_PASSWORD, newPassword: 'password1234' }],
    ['/admin/create-user', { email: 'x@example.com', password: 'another-long-password', name: 'x' }],
    ['/admin/ban-user', { userId: 'x' }],
    ['/is-username-available', { username: 'admin' }],
  ])("does not serve %s over HTTP (each a way around the console's limits, rules or audit log)", async (path, body) => {
    const response = await auth.handler(
      new Request(`${APP}/api/auth${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: APP },
        body: JSON.stringify(body),
      }),
    );
    expect(response.status).toBe(404);
  });
});
