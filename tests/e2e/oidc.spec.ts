// Single sign-on end to end: a console of its own (`npm start` on port 3125, its own embedded
// PostgreSQL) signs people in through a real OpenID Provider (oidc-provider, in this process) and
// gives them the role their groups map to, at every sign-in.
//   OIDC_ROLE_MAPPING = gpu-admins=admin,gpu-oncall=operator, OIDC_DEFAULT_ROLE = none
//   alice: gpu-admins → admin;  bob: gpu-oncall → operator (later gpu-admins → admin);
//   carol: no mapped group → refused, no session, no user.
// The console starts while the provider is still down, as after a power cut where the console
// comes back first: sign-in must work once the provider is up, without restarting the console.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';

import { freePort } from '../support/free-port';
import {
  launchConsole,
  portFree,
  postgresServersUsing,
  stopConsole,
  type ConsoleProcess,
} from './support/console-process';
import { startTestProvider, type TestIdentity, type TestProvider } from './support/oidc-test-provider';

test.describe.configure({ mode: 'serial', timeout: 90_000 });

const PORT = 3125;
const PG_PORT = 54393;
const consoleURL = `http://127.0.0.1:${PORT}`;
const DISPLAY_NAME = 'Example IdP';
const CLIENT_ID = 'sentinel-console';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const screenshots = path.join('test-results', 'screenshots');

const accounts = new Map<string, TestIdentity>([
  ['alice', { email: 'alice@example.test', name: 'Alice Liddell', groups: ['staff', 'gpu-admins'] }],
  ['bob', { email: 'bob@example.test', name: 'Bob Marley', groups: ['staff', 'gpu-oncall'] }],
  ['carol', { email: 'carol@example.test', name: 'Carol Danvers', groups: ['staff', 'finance'] }],
]);

let dataDir: string;
let app: ConsoleProcess | undefined;
let idpPort: number;
let idp: TestProvider | undefined;

async function healthy(): Promise<boolean> {
  return fetch(`${consoleURL}/api/health`).then(
    (response) => response.ok,
    () => false,
  );
}

test.beforeAll(async () => {
  test.setTimeout(480_000);
  expect(await portFree(PORT), `port ${PORT} is taken; is another run going on?`).toBe(true);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'console-oidc-'));
  idpPort = await freePort();
  app = launchConsole({
    PORT: String(PORT),
    EMBEDDED_PG_PORT: String(PG_PORT),
    EMBEDDED_DATA_DIR: dataDir,
    SIMULATOR: 'off',
    CONSOLE_ADMIN_PASSWORD: 'oidc-spec-admin-password',
    OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_DISPLAY_NAME: DISPLAY_NAME,
    OIDC_ROLE_MAPPING: 'gpu-admins=admin,gpu-oncall=operator',
    OIDC_DEFAULT_ROLE: 'none',
  });
  // start.ts builds again only if the sources changed since the main web server's build.
  for (
    const deadline = Date.now() + 420_000;
    !(await healthy());
    await new Promise((resolve) => setTimeout(resolve, 1000))
  ) {
    if (app.child.exitCode !== null)
      throw new Error(`the console exited (${app.child.exitCode}):\n${app.output().slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`the console did not answer /api/health:\n${app.output().slice(-4000)}`);
  }

  // The provider is not up yet: the console's first sign-in page (which starts Better Auth, and
  // with it the provider's discovery) sees it refuse the connection.
  expect((await fetch(`${consoleURL}/sign-in`)).status).toBe(200);
  await expect.poll(() => app!.output(), { timeout: 10_000 }).toContain('Discovery fetch failed for "oidc"');

  idp = await startTestProvider({
    port: idpPort,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${consoleURL}/api/auth/callback/oidc`,
    accounts,
  });
});

test.afterAll(async () => {
  await idp?.close();
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    const output = app.output();
    expect(await stopConsole(app, 'SIGTERM'), output.slice(-3000)).toBe(0);
  }
  if (dataDir) {
    expect(await postgresServersUsing(dataDir)).toEqual([]);
    await rm(dataDir, { recursive: true, force: true });
  }
  expect(await portFree(PORT)).toBe(true);
  expect(await portFree(PG_PORT)).toBe(true);
});

/** A browser of its own: none of the main instance's admin cookies. */
const freshContext = (browser: Browser) =>
  browser.newContext({ baseURL: consoleURL, storageState: { cookies: [], origins: [] } });

/** Asks for `wanted`, is sent to the sign-in page, and clicks through to the provider's login page. */
async function startSignOn(page: Page, wanted: string): Promise<void> {
  await page.goto(wanted);
  await expect(page).toHaveURL(`${consoleURL}/sign-in?next=${encodeURIComponent(wanted)}`);
  await page.getByRole('button', { name: `Sign in with ${DISPLAY_NAME}` }).click();
  await page.waitForURL((url) => url.origin === idp!.issuer && url.pathname.startsWith('/interaction/'));
}

/** Asks for `wanted`, is sent to the sign-in page, and signs in at the provider as `login`. */
async function signInThroughProvider(page: Page, login: string, wanted: string, shot?: string): Promise<void> {
  await startSignOn(page, wanted);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('whatever the provider checks');
  if (shot) await page.screenshot({ path: path.join(screenshots, shot) });
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForURL((url) => url.origin === consoleURL && !url.pathname.startsWith('/api/auth/'));
}

async function sessionCookies(context: BrowserContext): Promise<string[]> {
  return (await context.cookies(consoleURL))
    .filter((cookie) => cookie.name.includes('session_token'))
    .map((cookie) => cookie.name);
}

const roleChip = (page: Page) => page.getByTestId('signed-in-user').locator('span');
const usersLink = (page: Page) => page.getByRole('link', { name: 'Users', exact: true });
/** The sign-in form's message (not Next's route announcer, also an alert). */
const signInAlert = (page: Page) => page.getByRole('form', { name: 'Sign in' }).getByRole('alert');

test('the sign-in page offers single sign-on under its configured name', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: `Sign in with ${DISPLAY_NAME}` })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'oidc-sign-in-page.png') });

  // Several people behind one address start a sign-on within seconds (Better Auth's default for
  // /sign-in/* would refuse the fourth): each gets the provider's authorization URL, with PKCE.
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const started = await context.request.post('/api/auth/sign-in/social', {
      data: { provider: 'oidc', callbackURL: '/' },
      headers: { origin: consoleURL },
    });
    expect(started.status(), await started.text()).toBe(200);
    const authorize = new URL((await started.json()).url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp!.issuer}/auth`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${consoleURL}/api/auth/callback/oidc`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  }
  await context.close();
});

test('alice (gpu-admins) signs in at the provider and lands where she asked, as admin', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await signInThroughProvider(page, 'alice', '/nodes', 'oidc-provider-login.png');
  await expect(page).toHaveURL(`${consoleURL}/nodes`);
  await expect(page.getByTestId('signed-in-user')).toContainText('Alice Liddell');
  await expect(roleChip(page)).toHaveText('admin');
  await expect(usersLink(page)).toBeVisible();
  await page.screenshot({ path: path.join(screenshots, 'oidc-alice-admin.png') });

  await usersLink(page).click();
  await expect(page).toHaveURL(`${consoleURL}/admin/users`);
  const alice = page.locator('[data-testid="user-row"][data-username="alice@example.test"]');
  await expect(alice).toHaveAttribute('data-role', 'admin');
  await expect(alice).toContainText('oidc');
  expect(idp!.requestsWithoutPkce()).toBe(0);
  await context.close();
});

test('bob (gpu-oncall) signs in as operator: no Users page', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await signInThroughProvider(page, 'bob', '/');
  await expect(page).toHaveURL(`${consoleURL}/`);
  await expect(roleChip(page)).toHaveText('operator');
  await expect(page.getByTestId('signed-in-user')).toContainText('Bob Marley');
  await expect(usersLink(page)).toHaveCount(0);
  await page.screenshot({ path: path.join(screenshots, 'oidc-bob-operator.png') });
  const users = await page.goto('/admin/users');
  expect(users?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await context.close();
});

test('carol (no mapped group) is refused with a clear message, and gets no session and no user', async ({
  browser,
}) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await signInThroughProvider(page, 'carol', '/pipeline');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(signInAlert(page)).toHaveText(/none of your groups at Example IdP is allowed into this console/i);
  // Back at the sign-in page, ready for another try that comes back to where she wanted to go.
  expect(new URL(page.url()).searchParams.get('next')).toBe('/pipeline');
  await page.screenshot({ path: path.join(screenshots, 'oidc-carol-refused.png') });
  expect(await sessionCookies(context)).toEqual([]);
  expect(await (await context.request.get('/api/auth/get-session')).json()).toBeNull();
  await page.goto('/pipeline');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await context.close();

  // Nobody was created for her (alice, an admin, reads the user list).
  const admin = await freshContext(browser);
  const adminPage = await admin.newPage();
  await signInThroughProvider(adminPage, 'alice', '/admin/users');
  await expect(adminPage.locator('[data-testid="user-row"][data-username="alice@example.test"]')).toBeVisible();
  await expect(adminPage.locator('[data-testid="user-row"][data-username="carol@example.test"]')).toHaveCount(0);
  await admin.close();
});

test('the role follows the groups: bob moved to gpu-admins is admin at his next sign-in, and operator again once moved back', async ({
  browser,
}) => {
  accounts.get('bob')!.groups = ['staff', 'gpu-admins'];
  const context = await freshContext(browser);
  const page = await context.newPage();
  await signInThroughProvider(page, 'bob', '/admin/users');
  await expect(page).toHaveURL(`${consoleURL}/admin/users`);
  await expect(roleChip(page)).toHaveText('admin');
  await expect(usersLink(page)).toBeVisible();
  const bob = page.locator('[data-testid="user-row"][data-username="bob@example.test"]');
  await expect(bob).toHaveAttribute('data-role', 'admin');
  // Still one user: the same account signed in again, not a second one.
  await expect(page.locator('[data-testid="user-row"][data-username="bob@example.test"]')).toHaveCount(1);
  await page.screenshot({ path: path.join(screenshots, 'oidc-bob-promoted.png') });
  await context.close();

  // And back down: out of gpu-admins, into gpu-oncall again, operator at the next sign-in.
  accounts.get('bob')!.groups = ['staff', 'gpu-oncall'];
  const later = await freshContext(browser);
  const laterPage = await later.newPage();
  await signInThroughProvider(laterPage, 'bob', '/');
  await expect(roleChip(laterPage)).toHaveText('operator');
  await expect(usersLink(laterPage)).toHaveCount(0);
  await later.close();
});

test('someone who cancels at the provider is back on the sign-in page, signed out', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await startSignOn(page, '/throughput');
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await expect(page).toHaveURL((url) => url.origin === consoleURL && url.pathname === '/sign-in');
  await expect(signInAlert(page)).toHaveText(`Sign-in was cancelled or refused at ${DISPLAY_NAME}.`);
  expect(new URL(page.url()).searchParams.get('next')).toBe('/throughput');
  expect(await sessionCookies(context)).toEqual([]);
  await context.close();
});

test('a callback the console did not start (no state) ends on the sign-in page, signed out', async ({ browser }) => {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto('/api/auth/callback/oidc?code=forged-code');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
  await expect(signInAlert(page)).toHaveText('Single sign-on did not complete; try again or use a local account.');
  expect(await sessionCookies(context)).toEqual([]);
  await context.close();
});
