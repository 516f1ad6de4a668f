// What proxy.ts refuses about a server action before Next decodes it (issue 15, item 3), from a
// manifest shaped like Next's .next/server/server-reference-manifest.json.
import { describe, expect, it } from 'vitest';

import {
  actionBodyProblem,
  actionRequestProblem,
  judgeServerAction,
  loadServerActions,
  pagePattern,
  SERVER_ACTION_MAX_BYTES,
  serverActionsFromManifest,
} from '@/lib/security/server-action-gate';

const actions = serverActionsFromManifest({
  node: {
    '40aa': { exportedName: 'quarantineNode', workers: { 'app/(console)/nodes/[name]/page': {} } },
    '40bb': {
      exportedName: 'retryDeadLetter',
      workers: { 'app/(console)/pipeline/page': {}, 'app/(console)/pipeline/dead-letters/[[...rest]]/page': {} },
    },
    '40cc': { exportedName: 'fromRoot', workers: { 'app/page': {} } },
  },
});

describe('pagePattern', () => {
  it.each([
    ['/(console)/nodes/[name]', ['/nodes/gpu-1', '/nodes/gpu-1/'], ['/nodes', '/nodes/a/b', '/nodesX/a', '/audit']],
    [
      '/(console)/pipeline/dead-letters/[[...rest]]',
      ['/pipeline/dead-letters', '/pipeline/dead-letters/a/b'],
      ['/pipeline'],
    ],
    ['/docs/[...slug]', ['/docs/a', '/docs/a/b'], ['/docs']],
    ['/', ['/'], ['/nodes']],
    ['/a.b', ['/a.b'], ['/aXb']],
  ])('%s answers %j and not %j', (route, yes, no) => {
    const pattern = pagePattern(route);
    for (const path of yes) expect(pattern.test(path), path).toBe(true);
    for (const path of no) expect(pattern.test(path), path).toBe(false);
  });
});

describe('judgeServerAction', () => {
  it('lets an action through on a page that uses it', () => {
    expect(judgeServerAction(actions, '40aa', '/nodes/gpu-1', 120)).toEqual({ ok: true, name: 'quarantineNode' });
    expect(judgeServerAction(actions, '40cc', '/', null)).toEqual({ ok: true, name: 'fromRoot' });
  });

  it('refuses an unknown id (404), another page (400, naming the pages it belongs to) and a declared size over the limit (413)', () => {
    expect(judgeServerAction(actions, '40zz', '/nodes/gpu-1', 10)).toEqual({
      ok: false,
      status: 404,
      error: 'no server action has the id "40zz"',
      name: null,
    });
    expect(judgeServerAction(actions, '40aa', '/audit', 10)).toEqual({
      ok: false,
      status: 400,
      error: 'quarantineNode is not an action of the page /audit (it belongs to /nodes/[name])',
      name: 'quarantineNode',
    });
    expect(judgeServerAction(actions, '40aa', '/favicon.icoX', 10)).toMatchObject({ ok: false, status: 400 });
    expect(judgeServerAction(actions, '40aa', '/nodes/gpu-1', SERVER_ACTION_MAX_BYTES + 1)).toMatchObject({
      ok: false,
      status: 413,
    });
  });

  it('without a production manifest (next dev) judges only the size', () => {
    expect(judgeServerAction(null, 'anything', '/anywhere', 10)).toEqual({ ok: true, name: 'unknown' });
    expect(judgeServerAction(null, 'anything', '/anywhere', SERVER_ACTION_MAX_BYTES + 1)).toMatchObject({
      ok: false,
      status: 413,
    });
  });
});

describe('actionBodyProblem', () => {
  it('accepts the JSON a page sends, and refuses a form body', () => {
    expect(actionBodyProblem('text/plain;charset=UTF-8', '[{"nodeName":"gpu-1","reason":"xid 79"}]')).toBeNull();
    expect(actionBodyProblem('multipart/form-data; boundary=x', '--x\r\nnot json')).toEqual({
      status: 400,
      error: 'the request body is a form, not the JSON a change takes',
    });
  });

  it('refuses a cut-off body, one nested too deep, and one over the limit', () => {
    expect(actionBodyProblem('text/plain', '[{"nodeName":"gpu-1","reason":"xi')).toEqual({
      status: 400,
      error: 'the request body is not complete JSON (cut off, or not JSON at all)',
    });
    expect(actionBodyProblem('text/plain', `${'['.repeat(20_000)}${']'.repeat(20_000)}`)).toEqual({
      status: 400,
      error: 'the request body nests more than 32 levels deep',
    });
    expect(actionBodyProblem('text/plain', `"${'x'.repeat(SERVER_ACTION_MAX_BYTES)}"`)).toMatchObject({ status: 413 });
  });
});

describe('actionRequestProblem', () => {
  it('takes a server action only as the pages send it: text/plain JSON', () => {
    expect(actionRequestProblem('/nodes/gpu-1', 'text/plain;charset=UTF-8', '40aa')).toBeNull();
    expect(actionRequestProblem('/nodes/gpu-1', 'Text/Plain', '40aa')).toBeNull();
    for (const type of [
      'multipart/form-data; boundary=x',
      'Multipart/form-data; boundary=x',
      'application/json',
      'application/x-www-form-urlencoded',
    ]) {
      expect(actionRequestProblem('/nodes/gpu-1', type, '40aa'), type).toMatchObject({ status: 415 });
    }
    expect(actionRequestProblem('/nodes/gpu-1', null, '40aa')).toEqual({
      status: 415,
      error: 'a server action is sent as text/plain JSON, not without a Content-Type',
    });
  });

  it('refuses a form post to a page, where Next would look for an action id in its fields; leaves API routes and other posts alone', () => {
    expect(actionRequestProblem('/nodes/gpu-1', 'multipart/form-data; boundary=x', null)).toEqual({
      status: 415,
      error: 'a form post to the page /nodes/gpu-1 is not accepted (changes are sent as JSON)',
    });
    expect(actionRequestProblem('/', 'APPLICATION/X-WWW-FORM-URLENCODED', null)).toMatchObject({ status: 415 });
    expect(actionRequestProblem('/api/nodes/gpu-1/quarantine', 'application/x-www-form-urlencoded', null)).toBeNull();
    expect(actionRequestProblem('/api/users', 'application/json', null)).toBeNull();
  });
});

describe('loadServerActions', () => {
  it('reads no manifest outside production (next dev has its own ids in .next/dev)', () => {
    expect(loadServerActions(process.cwd(), false)).toBeNull();
  });
});
