// Who may do what, checked over direct HTTP as well as in the browser: every route and action as
// anonymous, viewer, operator, admin and from another origin, with exactly one audit row per
// attempt; 1,000 bad inputs; script payloads in stored events; sign-in, sign-out, role change.
import { randomUUID } from 'node:crypto';

import { expect, test, type Browser } from '@playwright/test';

import { openDataStore } from '@/lib/store';

import { baseURL, simulatorControlURL } from '../../playwright.config';
import { E2E_ADMIN, E2E_OPERATOR, E2E_VIEWER } from './support/accounts';
import { callServerAction, cookieOf, e2eDatabaseUrl, send, serverActionIds } from './support/direct-http';
import { isSimulatedNode, muteNode, unmuteAll } from './support/simulated-cluster';

test.describe.configure({ timeout: 180_000 });
// A test that changes a node mutes its simulated monitors first, so no random fault races it.
test.afterEach(unmuteAll);

const EVIL = 'http://evil.example';
/** A browser with no session (the project's default state is the admin's). */
const SIGNED_OUT = { cookies: [], origins: [] };
interface AuditRow {
  action: string;
  outcome: string;
  actor: string;
  target: string | null;
  detail: string | null;
  clientAddress: string | null;
}

async function auditOf(requestId: string): Promise<AuditRow[]> {
  const response = await send('GET', `/api/audit?requestId=${encodeURIComponent(requestId)}`, {
    cookie: await cookieOf(E2E_ADMIN.username),
  });
  expect(response.status).toBe(200);
  return (JSON.parse(response.body) as { entries: AuditRow[] }).entries;
}

async function nodeInState(predicate: (state: string) => boolean): Promise<string> {
  const cookie = await cookieOf(E2E_ADMIN.username);
  let found: string | undefined;
  await expect
    .poll(
      async () => {
        const { body } = await send('GET', '/api/nodes?pageSize=500', { cookie });
        const nodes = (JSON.parse(body) as { nodes: { name: string; state: string; quarantineRequested?: boolean }[] })
          .nodes;
        found = nodes.find(
          (node) => predicate(node.state) && !node.quarantineRequested && isSimulatedNode(node.name),
        )?.name;
        return found;
      },
      { timeout: 30_000 },
    )
    .toBeTruthy();
  return found!;
}

async function stateOf(name: string): Promise<string> {
  const { body } = await send('GET', `/api/nodes/${name}`, { cookie: await cookieOf(E2E_ADMIN.username) });
  return (JSON.parse(body) as { view: { state: string } }).view.state;
}

test('the session cookie is httpOnly and SameSite=Lax, and pages carry the security headers', async () => {
  const signedIn = await fetch(`${baseURL}/api/auth/sign-in/username`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseURL },
    body: JSON.stringify({ username: E2E_VIEWER.username, password: E2E_VIEWER.password }),
  });
  expect(signedIn.status).toBe(200);
  const cookie = signedIn.headers.getSetCookie().find((line) => line.startsWith('sentinel-console.session_token='));
  expect(cookie).toMatch(/; HttpOnly/i);
  expect(cookie).toMatch(/; SameSite=Lax/i);
  // Plain http here; behind https (BETTER_AUTH_URL) the cookie is Secure too.
  expect(cookie).not.toMatch(/; Secure/i);

  const page = await fetch(`${baseURL}/sign-in`);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  // The nonce is fresh for every response.
  const again = (await fetch(`${baseURL}/sign-in`)).headers.get('content-security-policy');
  expect(again).not.toBe(csp);
});

test('every read route refuses anonymous callers and serves each role what it may read', async () => {
  const node = await nodeInState(() => true);
  const reads: [string, { viewer: number; operator: number; admin: number }][] = [
    ['/api/nodes', { viewer: 200, operator: 200, admin: 200 }],
    [`/api/nodes/${node}`, { viewer: 200, operator: 200, admin: 200 }],
    ['/api/pipeline', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/providers', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/throughput', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/live?topics=nodes', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/audit', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/audit/export', { viewer: 200, operator: 200, admin: 200 }],
    ['/api/users', { viewer: 403, operator: 403, admin: 200 }],
  ];
  for (const [route, expected] of reads) {
    expect((await send('GET', route)).status, `anonymous ${route}`).toBe(401);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const username = { viewer: E2E_VIEWER, operator: E2E_OPERATOR, admin: E2E_ADMIN }[role].username;
      expect((await send('GET', route, { cookie: await cookieOf(username) })).status, `${role} ${route}`).toBe(
        expected[role],
      );
    }
  }
  // Pages: anonymous goes to the sign-in page, a viewer may not open the Users page.
  const page = await send('GET', '/pipeline');
  expect(page.status).toBe(307);
  expect((await send('GET', '/admin/users', { cookie: await cookieOf(E2E_VIEWER.username) })).status).toBe(403);
});

test('every change answers anonymous 401, viewer 403, other origins 403 and operators success, with one audit row per attempt', async () => {
  const ids = await serverActionIds();
  const [anonymous, viewer, operator, admin] = await Promise.all([
    cookieOf(null),
    cookieOf(E2E_VIEWER.username),
    cookieOf(E2E_OPERATOR.username),
    cookieOf(E2E_ADMIN.username),
  ]);
  const healthy = await nodeInState((state) => state === 'healthy');
  await muteNode(healthy);
  const input = { nodeName: healthy, reason: 'security test: direct call' };

  // Each answer's X-Request-Id (made by the server) names its audit row.
  interface Attempt {
    name: string;
    call: () => Promise<{ status: number; result?: unknown; body: string; requestId: string }>;
    status: number;
    outcome: string;
    action: string;
    actor?: string;
  }
  const route =
    (path: string, cookie: string, body: unknown, origin = baseURL) =>
    () =>
      send('POST', path, { cookie, origin, body: JSON.stringify(body) });
  // Each action is posted to a page that uses it, as the browser does.
  const pageOf: Record<string, string> = {
    quarantineNode: `/nodes/${healthy}`,
    releaseNode: `/nodes/${healthy}`,
    retryDeadLetter: '/pipeline',
    setUserRole: '/admin/users',
  };
  const action =
    (name: string, cookie: string, body: unknown, origin = baseURL) =>
    () =>
      callServerAction(ids[name], body, { cookie, origin, page: pageOf[name] });
  const attempts: Attempt[] = [
    {
      name: 'anonymous quarantine route',
      call: route(`/api/nodes/${healthy}/quarantine`, anonymous, input),
      status: 401,
      outcome: 'denied',
      action: 'node.quarantine',
    },
    {
      name: 'viewer quarantine route',
      call: route(`/api/nodes/${healthy}/quarantine`, viewer, input),
      status: 403,
      outcome: 'denied',
      action: 'node.quarantine',
    },
    {
      name: 'cross-origin quarantine route',
      call: route(`/api/nodes/${healthy}/quarantine`, operator, input, EVIL),
      status: 403,
      outcome: 'denied',
      action: 'request.cross-origin',
      actor: E2E_OPERATOR.username,
    },
    {
      name: 'anonymous quarantine action',
      call: action('quarantineNode', anonymous, input),
      status: 401,
      outcome: 'denied',
      action: 'node.quarantine',
    },
    {
      name: 'viewer quarantine action',
      call: action('quarantineNode', viewer, input),
      status: 403,
      outcome: 'denied',
      action: 'node.quarantine',
    },
    {
      name: 'cross-origin quarantine action',
      call: action('quarantineNode', operator, input, EVIL),
      status: 403,
      outcome: 'denied',
      action: 'request.cross-origin',
      actor: E2E_OPERATOR.username,
    },
    {
      name: 'anonymous release route',
      call: route(`/api/nodes/${healthy}/release`, anonymous, input),
      status: 401,
      outcome: 'denied',
      action: 'node.release',
    },
    {
      name: 'viewer release action',
      call: action('releaseNode', viewer, input),
      status: 403,
      outcome: 'denied',
      action: 'node.release',
    },
    {
      name: 'anonymous retry route',
      call: route('/api/dead-letters/999999/retry', anonymous, {}),
      status: 401,
      outcome: 'denied',
      action: 'dead-letter.retry',
    },
    {
      name: 'viewer retry action',
      call: action('retryDeadLetter', viewer, { id: '999999' }),
      status: 403,
      outcome: 'denied',
      action: 'dead-letter.retry',
    },
    {
      name: 'operator retry of an unknown dead letter',
      call: route('/api/dead-letters/999999/retry', operator, {}),
      status: 404,
      outcome: 'invalid',
      action: 'dead-letter.retry',
    },
    {
      name: 'operator creates a user',
      call: route('/api/users', operator, { username: 'intruder', password: 'intruder-password-1', role: 'admin' }),
      status: 403,
      outcome: 'denied',
      action: 'user.create',
    },
    {
      name: 'viewer sets a role (action)',
      call: action('setUserRole', viewer, { userId: 'x', role: 'admin' }),
      status: 403,
      outcome: 'denied',
      action: 'user.set-role',
    },
    {
      name: 'admin creates a user',
      call: route('/api/users', admin, {
        username: `sec-${Date.now()}`,
        password: 'a-fine-password-1',
        role: 'viewer',
      }),
      status: 200,
      outcome: 'ok',
      action: 'user.create',
    },
  ];
  for (const attempt of attempts) {
    const { status, result, body, requestId } = await attempt.call();
    // Server actions answer 200 with the refusal in the result; the proxy's cross-origin refusal is a plain 403.
    const effective =
      result && typeof result === 'object' && 'status' in result
        ? (result as { status: number }).status
        : (result as { ok?: boolean } | undefined)?.ok
          ? 200
          : status;
    expect(effective, `${attempt.name}: ${body.slice(0, 300)}`).toBe(attempt.status);
    const rows = await auditOf(requestId);
    expect(rows, `${attempt.name}: one audit row`).toHaveLength(1);
    expect(rows[0].outcome, attempt.name).toBe(attempt.outcome);
    expect(rows[0].action, attempt.name).toBe(attempt.action);
    if (attempt.actor)
      expect(rows[0].actor, `${attempt.name}: recorded as the user whose cookie it carried`).toBe(attempt.actor);
  }

  // The operator's quarantine goes through. The node's monitors are muted, but a fault written just
  // before the mute may have quarantined it since it was picked: that answers 409 "already ..." (one
  // 'invalid' row, as it should), and the test takes another healthy node, up to three.
  let quarantined = '';
  for (let attempt = 1; !quarantined; attempt += 1) {
    const node = attempt === 1 ? healthy : await nodeInState((state) => state === 'healthy');
    if (attempt > 1) await muteNode(node);
    const answer = await send('POST', `/api/nodes/${node}/quarantine`, {
      cookie: operator,
      origin: baseURL,
      body: JSON.stringify({ nodeName: node, reason: 'security test: direct call' }),
    });
    const rows = await auditOf(answer.requestId);
    expect(rows, `operator quarantine of ${node}: one audit row`).toHaveLength(1);
    expect(rows[0].action).toBe('node.quarantine');
    if (answer.status === 409 && /already/.test(answer.body) && attempt < 3) {
      expect(rows[0].outcome).toBe('invalid');
      continue;
    }
    expect(answer.status, answer.body).toBe(200);
    expect(rows[0].outcome).toBe('ok');
    expect(rows[0].actor).toBe(E2E_OPERATOR.username);
    quarantined = node;
  }
  // fault-quarantine cordons the node; then release it.
  await expect
    .poll(() => stateOf(quarantined), { timeout: 20_000 })
    .toMatch(/quarantined|draining|drain-failed|remediat/);
  const released = await send('POST', `/api/nodes/${quarantined}/release`, {
    cookie: operator,
    origin: baseURL,
    body: JSON.stringify({ reason: 'security test: done' }),
  });
  expect(released.status, released.body).toBe(200);
  expect((await auditOf(released.requestId)).map((row) => row.outcome)).toEqual(['ok']);
});

// Deterministic bad inputs: wrong types, huge strings, control characters, script payloads,
// unknown and malformed node names, missing fields, and operations the node's state forbids.
function* badInputs(
  healthy: string,
): Generator<{ operation: 'quarantine' | 'release'; nodeName: unknown; body: unknown }> {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const names: unknown[] = [
    '',
    ' ',
    'UPPER-case',
    'under_score',
    '-leading',
    'trailing-',
    'a'.repeat(254),
    `${'a'.repeat(64)}.b`,
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "x'; DROP TABLE health_events; --",
    '../../etc/passwd',
    'node\u0000null',
    'ünïcode',
    'emoji-😀',
    42,
    -1,
    3.14,
    true,
    null,
    [],
    ['gpu-node-0001'],
    {},
    { $ne: null },
    `unknown-node-${Math.floor(random() * 1e6)}`,
    'no-such-node.example.com',
  ];
  const reasons: unknown[] = [
    '',
    ' ',
    'ab',
    '  a ',
    'x'.repeat(501),
    'x'.repeat(1024 * 1024),
    'bell\u0007',
    'esc\u001b[31m',
    'nul\u0000',
    42,
    null,
    [],
    {},
    true,
  ];
  for (let index = 0; index < 1_000; index += 1) {
    const operation = index % 2 === 0 ? 'quarantine' : 'release';
    const kind = index % 5;
    if (kind === 0) yield { operation, nodeName: pick(names), body: { reason: 'a perfectly fine reason' } };
    else if (kind === 1) yield { operation, nodeName: healthy, body: { reason: pick(reasons) } };
    else if (kind === 2) yield { operation, nodeName: pick(names), body: { reason: pick(reasons) } };
    else if (kind === 3)
      yield {
        operation,
        nodeName: healthy,
        body: pick<unknown>([
          'not json at all',
          [],
          42,
          null,
          { nodeName: healthy },
          { reason: { toString: 'x' } },
          { __proto__: { reason: 'polluted' } },
        ]),
      };
    // A valid-looking release of a node that is not quarantined: refused as invalid too.
    else yield { operation: 'release', nodeName: healthy, body: { reason: 'release what is not quarantined' } };
  }
}

test('1,000 bad inputs to quarantine and release: no 5xx, no change, each recorded as invalid', async () => {
  const ids = await serverActionIds();
  const operator = await cookieOf(E2E_OPERATOR.username);
  // The simulated fault-quarantine is paused meanwhile, so the node stays unquarantined while the
  // test releases it ("release what is not quarantined" must stay refused whatever the simulator does).
  await simulatorControl('/consumers/fault-quarantine/pause');
  try {
    await badInputsRefused(ids, operator);
  } finally {
    await simulatorControl('/consumers/fault-quarantine/resume');
  }
});

async function simulatorControl(path: string): Promise<void> {
  const response = await fetch(`${simulatorControlURL}${path}`, { method: 'POST' });
  expect(response.status, `${path}: ${await response.text()}`).toBe(200);
}

async function badInputsRefused(ids: Awaited<ReturnType<typeof serverActionIds>>, operator: string): Promise<void> {
  const healthy = await nodeInState((state) => state === 'healthy');
  const from = new Date().toISOString();
  let sent = 0;
  const requestIds = new Set<string>();
  for (const bad of badInputs(healthy)) {
    if (sent % 4 === 3) {
      // Through the server action, with the node name inside the input.
      const input =
        typeof bad.body === 'object' && bad.body !== null && !Array.isArray(bad.body)
          ? { ...bad.body, nodeName: bad.nodeName }
          : bad.body;
      const { status, result, body, requestId } = await callServerAction(
        ids[bad.operation === 'quarantine' ? 'quarantineNode' : 'releaseNode'],
        input,
        { cookie: operator, origin: baseURL, page: `/nodes/${healthy}` },
      );
      requestIds.add(requestId);
      const described = `${JSON.stringify(input).slice(0, 200)} → ${status} ${body.slice(0, 300)}`;
      expect(status, described).toBeLessThan(500);
      expect((result as { outcome?: string } | undefined)?.outcome, described).toBe('invalid');
    } else {
      // A non-string "name" goes into the URL as its JSON text, never as a real node's name.
      const segment = encodeURIComponent(
        typeof bad.nodeName === 'string' && bad.nodeName !== ''
          ? bad.nodeName
          : (JSON.stringify(bad.nodeName) ?? 'undefined'),
      );
      const body = typeof bad.body === 'string' ? bad.body : JSON.stringify(bad.body);
      const response = await send('POST', `/api/nodes/${segment}/${bad.operation}`, {
        cookie: operator,
        origin: baseURL,
        body,
      });
      requestIds.add(response.requestId);
      expect(response.status, `${segment} ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${segment} ${body.slice(0, 200)}`).toBeLessThan(500);
    }
    sent += 1;
  }
  expect(sent).toBe(1_000);
  // Every attempt is on record as invalid, and nothing was changed.
  const csv = await send('GET', `/api/audit/export?from=${encodeURIComponent(from)}`, {
    cookie: await cookieOf(E2E_ADMIN.username),
  });
  expect(requestIds.size).toBe(1_000);
  const idOf = (row: string) =>
    [...row.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)]
      .map((match) => match[0])
      .find((id) => requestIds.has(id));
  const rows = csv.body
    .trim()
    .split('\r\n')
    .slice(1)
    .filter((row) => idOf(row) !== undefined);
  expect(rows).toHaveLength(1_000);
  expect(new Set(rows.map(idOf)).size).toBe(1_000);
  expect(rows.filter((row) => !row.includes(',invalid,'))).toEqual([]);
  // Nothing changed: no quarantine of the node was requested or made (the simulator may still
  // move it between healthy and unhealthy on its own).
  const { body } = await send('GET', `/api/nodes/${healthy}?range=1h`, { cookie: await cookieOf(E2E_ADMIN.username) });
  const detail = JSON.parse(body) as {
    view: { state: string; quarantineRequested: boolean };
    events: { agent: string; createdAt: number }[];
  };
  expect(detail.view.state).toMatch(/^(healthy|unhealthy)$/);
  expect(detail.view.quarantineRequested).toBe(false);
  // None written by this test (another spec may have quarantined and released the node earlier).
  expect(
    detail.events.filter((event) => event.agent === 'sentinel-console' && event.createdAt >= Date.parse(from)),
  ).toEqual([]);
}

test('script payloads stored in events render as inert text', async ({ page }) => {
  const store = await openDataStore({ provider: 'postgresql', connectionString: await e2eDatabaseUrl() });
  const nodeName = `xss-node-<img src=x onerror="window.__pwned=1">`;
  try {
    await store.healthEvents().insertMany([
      {
        nodeName,
        agent: '<script>window.__pwned=2</script>',
        componentClass: 'GPU',
        checkName: 'XssCheck<svg onload="window.__pwned=3">',
        isFatal: false,
        isHealthy: false,
        message: '<img src=x onerror="window.__pwned=4"> and <script>window.__pwned=5</script>',
        recommendedAction: 'NONE',
        metadata: { note: '<iframe src="javascript:window.__pwned=6"></iframe>' },
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '<b onmouseover="window.__pwned=7">0</b>' }],
      },
    ]);
  } finally {
    await store.close();
  }
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  await page.goto(`/nodes?q=${encodeURIComponent('xss-node')}`);
  await expect(page.getByText(nodeName, { exact: true })).toBeVisible({ timeout: 30_000 });
  await page.goto(`/nodes/${encodeURIComponent(nodeName)}`);
  await expect(page.getByTestId('node-name')).toHaveText(nodeName);
  await page.getByTestId('event-row').first().click();
  await expect(page.getByText('<script>window.__pwned=5</script>', { exact: false }).first()).toBeVisible();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('img[src="x"], iframe, svg[onload]').count()).toBe(0);
  await page.screenshot({ path: 'test-results/screenshots/xss-inert.png', fullPage: true });
});

async function signInThroughPage(browser: Browser, username: string, password: string) {
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const page = await context.newPage();
  await page.goto('/pipeline');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fpipeline/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/pipeline$/);
  return { context, page };
}

test('sign in, a role change by an admin, and sign out, in the browser; a viewer never sees the quarantine button', async ({
  browser,
  page: adminPage,
}) => {
  const username = `role-${Date.now().toString(36)}`;
  const password = 'role-change-password-1';
  const created = await send('POST', '/api/users', {
    cookie: await cookieOf(E2E_ADMIN.username),
    origin: baseURL,
    body: JSON.stringify({ username, password, role: 'viewer' }),
  });
  expect(created.status, created.body).toBe(200);

  // A wrong password is refused with a message; the right one signs in and returns to the page asked for.
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  const signInPage = await context.newPage();
  await signInPage.goto('/sign-in');
  await signInPage.getByLabel('Username').fill(username);
  await signInPage.getByLabel('Password').fill('not-the-password');
  await signInPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(signInPage.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toContainText(/invalid/i);
  await signInPage.screenshot({ path: 'test-results/screenshots/sign-in.png' });
  await context.close();

  const { context: userContext, page } = await signInThroughPage(browser, username, password);
  await expect(page.getByTestId('signed-in-user')).toContainText('viewer');
  const node = await nodeInState((state) => state === 'healthy');
  await page.goto(`/nodes/${node}`);
  await expect(page.getByTestId('node-state')).toBeVisible();
  await expect(page.getByTestId('node-action')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  // The admin makes them an operator on the Users page.
  await adminPage.goto('/admin/users');
  await adminPage.getByRole('combobox', { name: `Role of ${username}` }).selectOption('operator');
  await expect(adminPage.getByTestId('user-action-result').first()).toContainText(`${username} is now operator`);
  await adminPage.screenshot({ path: 'test-results/screenshots/users.png', fullPage: true });

  await page.reload();
  await expect(page.getByTestId('signed-in-user')).toContainText('operator');
  // The simulated cluster may have quarantined the node meanwhile: an operator gets whichever action
  // the node's state allows (a viewer got none above).
  await expect(page.getByTestId('node-action')).toHaveText(/^(Quarantine|Release)$/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signing out ends the session on the server first; on a loaded machine that takes a while.
  await expect(page).toHaveURL(/\/sign-in/, { timeout: 30_000 });
  await page.goto(`/nodes/${node}`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await userContext.close();
});

/** A new local account made by the admin over HTTP; its id. */
async function createAccount(username: string, password: string, role: 'viewer' | 'operator'): Promise<string> {
  const admin = await cookieOf(E2E_ADMIN.username);
  const created = await send('POST', '/api/users', {
    cookie: admin,
    origin: baseURL,
    body: JSON.stringify({ username, password, role }),
  });
  expect(created.status, created.body).toBe(200);
  const { body } = await send('GET', '/api/users', { cookie: admin });
  return (JSON.parse(body) as { users: { id: string; username: string | null }[] }).users.find(
    (user) => user.username === username,
  )!.id;
}

test('what Next answered with 500 or 200 is a 4xx with one audit row, under the name of the user whose cookie it carried', async () => {
  const ids = await serverActionIds();
  const [anonymous, admin] = await Promise.all([cookieOf(null), cookieOf(E2E_ADMIN.username)]);
  const node = await nodeInState(() => true);
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  const quarantine = (options: { page?: string; body?: string; origin?: string; id?: string }) =>
    callServerAction(
      options.id ?? ids.quarantineNode,
      { nodeName: node, reason: 'probe of the server action' },
      { cookie: admin, origin: options.origin ?? baseURL, page: options.page ?? `/nodes/${node}`, body: options.body },
    );
  const cases: {
    name: string;
    call: () => Promise<{ status: number; body: string; requestId: string }>;
    status: number;
    actor: string;
    action: string;
    detail: RegExp;
  }[] = [
    {
      name: 'JSON 20,000 deep, anonymous',
      call: () => send('POST', '/api/users', { cookie: anonymous, origin: baseURL, body: deep }),
      status: 401,
      actor: 'anonymous',
      action: 'user.create',
      detail: /sign in first/,
    },
    {
      name: 'JSON 20,000 deep, admin',
      call: () => send('POST', '/api/users', { cookie: admin, origin: baseURL, body: deep }),
      status: 400,
      actor: E2E_ADMIN.username,
      action: 'user.create',
      detail: /nests more than 32 levels/,
    },
    {
      name: 'a 3 MB server-action body',
      call: () => quarantine({ body: JSON.stringify([{ nodeName: node, reason: 'x'.repeat(3 * 1024 * 1024) }]) }),
      status: 413,
      actor: E2E_ADMIN.username,
      action: 'server-action.refused',
      detail: /bytes; a change takes at most 2097152/,
    },
    {
      name: 'a cut-off server-action body',
      call: () => quarantine({ body: `[{"nodeName":"${node}","reason":"cut of` }),
      status: 400,
      actor: E2E_ADMIN.username,
      action: 'server-action.refused',
      detail: /not complete JSON/,
    },
    {
      name: 'a cross-site action at /favicon.icoX',
      call: () => quarantine({ page: '/favicon.icoX', origin: EVIL }),
      status: 403,
      actor: E2E_ADMIN.username,
      action: 'request.cross-origin',
      detail: /requests from http:\/\/evil.example are not accepted/,
    },
    {
      name: 'a same-site action posted to another page',
      call: () => quarantine({ page: '/audit' }),
      status: 400,
      actor: E2E_ADMIN.username,
      action: 'server-action.refused',
      detail: /quarantineNode is not an action of the page \/audit \(it belongs to \/nodes\/\[name\]\)/,
    },
    {
      name: 'an unknown action id',
      call: () => quarantine({ id: '40'.padEnd(42, '0') }),
      status: 404,
      actor: E2E_ADMIN.username,
      action: 'server-action.refused',
      detail: /no server action has the id/,
    },
  ];
  for (const attempt of cases) {
    const { status, body, requestId } = await attempt.call();
    expect(status, `${attempt.name}: ${body.slice(0, 300)}`).toBe(attempt.status);
    const rows = await auditOf(requestId);
    expect(rows, `${attempt.name}: one audit row`).toHaveLength(1);
    expect(rows[0], attempt.name).toMatchObject({ actor: attempt.actor, action: attempt.action });
    expect(rows[0].detail, attempt.name).toMatch(attempt.detail);
  }
  // Whatever paths and action ids were posted, the Audit page's action filter lists only the
  // console's own action names (a caller cannot push real actions out of it with invented ones).
  for (let path = 0; path < 5; path++)
    await send('POST', `/invented-${path}-${Date.now()}`, { cookie: admin, origin: EVIL, body: '{}' });
  const audit = await send('GET', '/api/audit', { cookie: admin });
  const actions = (JSON.parse(audit.body) as { facets: { actions: string[] } }).facets.actions;
  // The console's names are dotted words (node.quarantine, alerts.destination.create); an invented path
  // or action id (digits, slashes) is never one.
  expect(actions.filter((name) => !/^[a-z-]+(\.[a-z-]+)+$/.test(name))).toEqual([]);
  expect(actions).toEqual(expect.arrayContaining(['request.cross-origin', 'server-action.refused', 'user.create']));
  // Nothing was quarantined by any of them.
  const { body } = await send('GET', `/api/nodes/${node}?range=1h`, { cookie: admin });
  expect(
    (JSON.parse(body) as { events: { agent: string; message: string }[] }).events.filter((event) =>
      event.message?.includes('probe of the server action'),
    ),
  ).toEqual([]);
});

test("a forged X-Forwarded-For and X-Request-Id are not believed: the audit row has the real peer and the server's id; the password limit holds across addresses", async () => {
  const forged = await send('POST', '/api/nodes/gpu-node-0001/quarantine', {
    origin: baseURL,
    body: JSON.stringify({ reason: 'forged headers' }),
    headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '7.7.7.7', 'x-request-id': 'chosen-by-the-client' },
  });
  expect(forged.status).toBe(401);
  expect(forged.requestId).not.toBe('chosen-by-the-client');
  expect(await auditOf('chosen-by-the-client')).toEqual([]);
  const [row] = await auditOf(forged.requestId);
  expect(row.clientAddress).toMatch(/^(127\.0\.0\.1|::1)$/);

  const username = `guess-${Date.now().toString(36)}`;
  await createAccount(username, 'the-real-password-1', 'viewer');
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 7; attempt++) {
    const response = await fetch(`${baseURL}/api/auth/sign-in/username`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: baseURL, 'x-forwarded-for': `203.0.113.${attempt + 1}` },
      body: JSON.stringify({ username, password: `guess-number-${attempt}` }),
    });
    statuses.push(response.status);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  const right = await fetch(`${baseURL}/api/auth/sign-in/username`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseURL },
    body: JSON.stringify({ username, password: 'the-real-password-1' }),
  });
  expect(right.status).toBe(429);
  expect(await right.json()).toMatchObject({ code: 'ACCOUNT_THROTTLED' });
});

test('disabling a user ends their open live stream at once', async () => {
  const username = `streamer-${Date.now().toString(36)}`;
  const password = 'streaming-password-1';
  const id = await createAccount(username, password, 'viewer');
  const signedIn = await fetch(`${baseURL}/api/auth/sign-in/username`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseURL },
    body: JSON.stringify({ username, password }),
  });
  expect(signedIn.status).toBe(200);
  const cookie = signedIn.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const stream = await fetch(`${baseURL}/api/live?topics=nodes`, { headers: { cookie } });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  expect((await reader.read()).done).toBe(false);

  const disabled = await send('POST', `/api/users/${id}/disable`, {
    cookie: await cookieOf(E2E_ADMIN.username),
    origin: baseURL,
    body: JSON.stringify({ reason: 'left the team' }),
  });
  expect(disabled.status, disabled.body).toBe(200);
  expect(JSON.parse(disabled.body)).toMatchObject({
    ok: true,
    message: `${username} is disabled; 1 session(s) and 1 live stream(s) ended.`,
  });
  // The stream ends (the session re-check alone would take LIVE_SESSION_CHECK_MS, 30 s).
  let done = false;
  while (!done) done = (await reader.read()).done;
  expect((await fetch(`${baseURL}/api/live?topics=nodes`, { headers: { cookie } })).status).toBe(401);
});

test('a replayed server action runs once: the replay gets the first answer and a denied row', async () => {
  const ids = await serverActionIds();
  const admin = await cookieOf(E2E_ADMIN.username);
  const username = `replay-${Date.now().toString(36)}`;
  const input = { username, password: 'replayed-password-1', role: 'viewer', idempotencyKey: randomUUID() };
  const first = await callServerAction(ids.createUser, input, { cookie: admin, origin: baseURL, page: '/admin/users' });
  const replay = await callServerAction(ids.createUser, input, {
    cookie: admin,
    origin: baseURL,
    page: '/admin/users',
  });
  expect(first.result).toMatchObject({ ok: true });
  expect(replay.result).toEqual(first.result);
  const { body } = await send('GET', '/api/users', { cookie: admin });
  expect(
    (JSON.parse(body) as { users: { username: string | null }[] }).users.filter((user) => user.username === username),
  ).toHaveLength(1);
  expect((await auditOf(first.requestId)).map((row) => row.outcome)).toEqual(['ok']);
  expect(await auditOf(replay.requestId)).toMatchObject([
    {
      action: 'user.create',
      outcome: 'denied',
      detail: `replay of request ${first.requestId} (same idempotency key): not run again, its answer repeated`,
    },
  ]);
});
