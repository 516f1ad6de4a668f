// Named views on a real PostgreSQL, through their HTTP routes (/api/views...): every role saves its
// own; a view is private to its owner until shared, then its link opens for anyone signed in; only
// the owner renames or shares it, the owner or an admin deletes it; each attempt, refused ones
// included, is one audit row, and a refused one leaves the views as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listAudit } from '@/lib/audit/audit-log';
import type { Actor } from '@/lib/auth/actor';
import { VIEWS_PER_USER } from '@/lib/queries/saved-views-view';

import { APP, consoleAuthFixture, type ConsoleAuthFixture } from '../../support/console-auth-fixture';

const { runMutation } = await import('@/lib/actions/run-mutation');
const { createUserMutation } = await import('@/lib/actions/user-mutations');
const { openSavedView } = await import('@/lib/queries/saved-views');
const viewsRoute = await import('@/app/api/views/route');
const viewRoute = await import('@/app/api/views/[id]/route');
const shareRoute = await import('@/app/api/views/[id]/share/route');

type Who = 'admin' | 'olga' | 'vic' | 'anonymous';

describe('named views over HTTP', () => {
  let console_: ConsoleAuthFixture;
  const cookies: Partial<Record<Who, Headers>> = {};
  const actors: Partial<Record<Who, Actor>> = {};
  let requests = 0;

  /** The user's request to a views route; its audit rows by the request id it carries. */
  const send = async (
    who: Who,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ) => {
    const headers = new Headers(
      who === 'anonymous' ? { origin: APP, host: 'localhost:3000' } : (cookies[who] as Headers),
    );
    const requestId = `views-${(requests += 1)}`;
    headers.set('x-request-id', requestId);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    const request = new Request(`${APP}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const id = path.split('/')[3];
    const params = { params: Promise.resolve({ id }) };
    const response =
      method === 'GET'
        ? await viewsRoute.GET(request)
        : path === '/api/views'
          ? await viewsRoute.POST(request)
          : path.endsWith('/share')
            ? await shareRoute.POST(request, params)
            : method === 'DELETE'
              ? await viewRoute.DELETE(request, params)
              : await viewRoute.POST(request, params);
    const answer = (await response.json()) as Record<string, unknown>;
    return { status: response.status, answer, audit: await listAudit(console_.pool, { requestId }, 10) };
  };
  const viewsOf = async (ownerId: string) =>
    (
      await console_.pool.query<{ id: string; name: string; path: string; query: string; shared: boolean }>(
        'SELECT id, name, path, query, shared FROM console_saved_views WHERE owner_id = $1 ORDER BY name',
        [ownerId],
      )
    ).rows;
  const save = async (who: Who, input: { name: string; path: string; query?: string }) => {
    const saved = await send(who, 'POST', '/api/views', input);
    expect(saved.status, JSON.stringify(saved.answer)).toBe(200);
    return saved.audit[0].target!.replace('view/', '');
  };

  beforeAll(async () => {
    console_ = await consoleAuthFixture();
    cookies.admin = console_.adminHeaders;
    actors.admin = (await console_.context.actor(console_.adminHeaders))!;
    for (const [username, role] of [
      ['olga', 'operator'],
      ['vic', 'viewer'],
    ] as const) {
      const password = `${username}-a-long-chosen-password`;
      expect(
        await runMutation(console_.context, createUserMutation, { username, password, role }, console_.adminHeaders),
      ).toMatchObject({ ok: true });
      const response = await console_.signIn(username, password);
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith('sentinel-console.session_token='))!
        .split(';')[0];
      cookies[username] = new Headers({ cookie, origin: APP, host: 'localhost:3000' });
      actors[username] = (await console_.context.actor(cookies[username]))!;
    }
  }, 120_000);
  afterAll(async () => {
    await console_?.close();
  });

  it('a viewer saves a filtered Events view: 200, one ok audit row views.create naming it, and it is in their list', async () => {
    const saved = await send('vic', 'POST', '/api/views', {
      name: 'XID 79 fatal',
      path: '/events',
      query: 'severity=fatal&xid=79&after=abc',
    });
    expect(saved.status).toBe(200);
    expect(saved.answer).toEqual({
      ok: true,
      message: 'View "XID 79 fatal" saved: Events filtered by xid=79&severity=fatal',
    });
    const [view] = await viewsOf(actors.vic!.id);
    expect(view).toMatchObject({
      name: 'XID 79 fatal',
      path: '/events',
      query: 'xid=79&severity=fatal',
      shared: false,
    });
    expect(saved.audit).toMatchObject([
      {
        actor: 'vic',
        actorRole: 'viewer',
        action: 'views.create',
        outcome: 'ok',
        target: `view/${view.id}`,
        stateAfter: {
          id: view.id,
          name: 'XID 79 fatal',
          owner: 'vic',
          page: '/events?xid=79&severity=fatal',
          shared: false,
        },
      },
    ]);
    const list = await send('vic', 'GET', '/api/views');
    expect(list.answer.views).toMatchObject([{ id: view.id, name: 'XID 79 fatal', mine: true, ownerName: 'vic' }]);
    // Nobody else sees it in their list; the admin does, as someone else's.
    expect((await send('olga', 'GET', '/api/views')).answer.views).toEqual([]);
    expect((await send('admin', 'GET', '/api/views')).answer.views).toMatchObject([{ id: view.id, mine: false }]);
  });

  it.each([
    [
      { name: 'typo', path: '/events', query: 'severty=fatal' },
      'query has a parameter the Events page does not know: "severty"; it takes xid, check, agent, component, entity, severity, action, node, range, from, to, view, limit',
    ],
    [
      { name: 'pipeline', path: '/pipeline', query: '' },
      'path must be one of /nodes, /events, /throughput, /audit: the pages that keep a filter (got "/pipeline")',
    ],
    [
      { name: 'bad <name>', path: '/nodes' },
      `name may hold only letters, digits, spaces and - _ . , : ( ) / # & + ' @ (found "<" ">")`,
    ],
    [{ name: 'sick nodes', path: '/nodes', query: 'state=sick' }, expect.stringContaining('unknown state "sick"')],
  ])('refuses %j with 400 naming what is wrong, one invalid audit row, and no view stored', async (input, error) => {
    const before = await viewsOf(actors.olga!.id);
    const refused = await send('olga', 'POST', '/api/views', input);
    expect(refused.status).toBe(400);
    expect(refused.answer).toEqual({ ok: false, outcome: 'invalid', status: 400, error });
    expect(refused.audit).toMatchObject([{ actor: 'olga', action: 'views.create', outcome: 'invalid', detail: error }]);
    expect(await viewsOf(actors.olga!.id)).toEqual(before);
  });

  it('refuses a caller not signed in with 401 and one audit row under anonymous', async () => {
    const refused = await send('anonymous', 'POST', '/api/views', { name: 'mine', path: '/nodes' });
    expect(refused.status).toBe(401);
    expect(refused.audit).toMatchObject([{ actor: 'anonymous', action: 'views.create', outcome: 'denied' }]);
    expect((await send('anonymous', 'GET', '/api/views')).status).toBe(401);
  });

  it('refuses a second view of the same name (any case) with 409, and runs a replayed request once', async () => {
    await save('olga', { name: 'Draining', path: '/nodes', query: 'state=draining' });
    const again = await send('olga', 'POST', '/api/views', { name: 'draining', path: '/nodes' });
    expect(again.status).toBe(409);
    expect(again.answer.error).toBe('you have a view named "draining" already; choose another name or rename that one');
    expect(again.audit).toMatchObject([{ action: 'views.create', outcome: 'invalid' }]);

    const key = { 'idempotency-key': 'views-key-0123456789' };
    const input = { name: 'Quarantined', path: '/nodes', query: 'state=quarantined' };
    const first = await send('olga', 'POST', '/api/views', input, key);
    const replay = await send('olga', 'POST', '/api/views', input, key);
    expect(first.status).toBe(200);
    expect(replay.answer).toEqual(first.answer);
    expect((await viewsOf(actors.olga!.id)).filter((view) => view.name === 'Quarantined')).toHaveLength(1);
    expect(replay.audit).toMatchObject([
      { action: 'views.create', outcome: 'denied', detail: expect.stringMatching(/^replay of request/) },
    ]);
  });

  it('a private view opens for its owner and the admin only; shared, its link opens for anyone signed in', async () => {
    const id = await save('vic', { name: 'rack 7', path: '/nodes', query: 'q=rack7' });
    expect(await openSavedView(console_.context, actors.vic!, id)).toEqual({ kind: 'open', href: '/nodes?q=rack7' });
    expect(await openSavedView(console_.context, actors.admin!, id)).toEqual({ kind: 'open', href: '/nodes?q=rack7' });
    expect(await openSavedView(console_.context, actors.olga!, id)).toEqual({ kind: 'not-found' });
    // Someone else's private view is not confirmed to exist: the same 404 as a made-up id.
    const hidden = await send('olga', 'POST', `/api/views/${id}/share`, { shared: true });
    expect(hidden.status).toBe(404);
    expect(hidden.audit).toMatchObject([
      { actor: 'olga', action: 'views.share', outcome: 'invalid', target: `view/${id}` },
    ]);

    const shared = await send('vic', 'POST', `/api/views/${id}/share`, { shared: true });
    expect(shared.status).toBe(200);
    expect(shared.audit).toMatchObject([
      {
        actor: 'vic',
        action: 'views.share',
        outcome: 'ok',
        stateBefore: { shared: false },
        stateAfter: { shared: true },
      },
    ]);
    expect(await openSavedView(console_.context, actors.olga!, id)).toEqual({ kind: 'open', href: '/nodes?q=rack7' });
    expect(await openSavedView(console_.context, actors.olga!, 'not-a-view')).toEqual({ kind: 'not-found' });

    const unshared = await send('vic', 'POST', `/api/views/${id}/share`, { shared: false });
    expect(unshared.status).toBe(200);
    expect(await openSavedView(console_.context, actors.olga!, id)).toEqual({ kind: 'not-found' });
  });

  it('only the owner renames a view (403 for another user of a shared one), and a refusal changes nothing', async () => {
    const id = await save('vic', { name: 'Last day', path: '/throughput', query: 'range=24h' });
    await send('vic', 'POST', `/api/views/${id}/share`, { shared: true });
    const refused = await send('olga', 'POST', `/api/views/${id}`, { name: 'Mine now' });
    expect(refused.status).toBe(403);
    expect(refused.answer.error).toBe(`view "Last day" is vic's; only its owner may change it`);
    expect(refused.audit).toMatchObject([{ actor: 'olga', action: 'views.rename', outcome: 'denied' }]);
    const adminRename = await send('admin', 'POST', `/api/views/${id}`, { name: 'Admin named' });
    expect(adminRename.status).toBe(403);
    expect((await viewsOf(actors.vic!.id)).find((view) => view.id === id)?.name).toBe('Last day');

    const renamed = await send('vic', 'POST', `/api/views/${id}`, { name: 'Last 24 hours' });
    expect(renamed.status).toBe(200);
    expect(renamed.audit).toMatchObject([
      {
        action: 'views.rename',
        outcome: 'ok',
        stateBefore: { name: 'Last day' },
        stateAfter: { name: 'Last 24 hours' },
      },
    ]);
    const bad = await send('vic', 'POST', `/api/views/${id}`, { name: '' });
    expect(bad.status).toBe(400);
    expect(bad.audit).toMatchObject([{ action: 'views.rename', outcome: 'invalid' }]);
  });

  it('the owner or an admin deletes a view; another user is refused (403 shared, 404 private), one audit row each', async () => {
    const id = await save('vic', { name: 'to delete', path: '/audit', query: 'outcome=denied' });
    await send('vic', 'POST', `/api/views/${id}/share`, { shared: true });
    const refused = await send('olga', 'DELETE', `/api/views/${id}`);
    expect(refused.status).toBe(403);
    expect(refused.audit).toMatchObject([{ actor: 'olga', action: 'views.delete', outcome: 'denied' }]);
    expect((await viewsOf(actors.vic!.id)).some((view) => view.id === id)).toBe(true);

    const byAdmin = await send('admin', 'DELETE', `/api/views/${id}`);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.answer.message).toBe('View "to delete" of vic deleted');
    expect(byAdmin.audit).toMatchObject([
      { actor: 'admin', action: 'views.delete', outcome: 'ok', stateBefore: { name: 'to delete', owner: 'vic' } },
    ]);
    expect((await viewsOf(actors.vic!.id)).some((view) => view.id === id)).toBe(false);
    expect(await openSavedView(console_.context, actors.vic!, id)).toEqual({ kind: 'not-found' });

    const own = await save('vic', { name: 'mine to delete', path: '/nodes' });
    expect((await send('vic', 'DELETE', `/api/views/${own}`)).status).toBe(200);
    const gone = await send('vic', 'DELETE', `/api/views/${own}`);
    expect(gone.status).toBe(404);
    expect(gone.audit).toMatchObject([
      { action: 'views.delete', outcome: 'invalid', detail: `no view with id ${own}` },
    ]);
  });

  it(`keeps at most ${VIEWS_PER_USER} views per user: the next is a 409 saying so, audited, and not stored`, async () => {
    const owner = actors.admin!.id;
    const kept = (await viewsOf(owner)).length;
    await console_.pool.query(
      `INSERT INTO console_saved_views (id, owner_id, name, path)
       SELECT gen_random_uuid(), $1, 'filler ' || n, '/nodes' FROM generate_series(1, $2::int) AS n`,
      [owner, VIEWS_PER_USER - 1 - kept],
    );
    await save('admin', { name: 'the last place', path: '/nodes' });
    const refused = await send('admin', 'POST', '/api/views', { name: 'one too many', path: '/nodes' });
    expect(refused.status).toBe(409);
    expect(refused.answer.error).toBe(
      `you keep ${VIEWS_PER_USER} views already, the most one user may; delete one you no longer use first`,
    );
    expect(refused.audit).toMatchObject([{ action: 'views.create', outcome: 'invalid' }]);
    expect(await viewsOf(owner)).toHaveLength(VIEWS_PER_USER);
  });
});
