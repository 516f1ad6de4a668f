// Issue 19's phone layout, at 390 × 844: the sections fold behind a Menu button that opens every one
// of them (by pointer and by keyboard, closing on a followed link and on Escape), and the node page's
// Quarantine and Release confirmations fit the screen with their buttons in reach. Screenshots of the
// open menu and of both dialogs in the light and the dark theme.
import { expect, test, type Page } from '@playwright/test';

import { E2E_OPERATOR, storageStateOf } from './support/accounts';
import { expectNoSidewaysScroll, PHONE } from './support/phone';

const THEMES = ['light', 'dark'] as const;
/** The admin's sections, in the header's order, and the heading each page opens with. */
const SECTIONS = [
  { label: 'Overview', path: '/', heading: 'Overview' },
  { label: 'Nodes', path: '/nodes', heading: 'Nodes' },
  { label: 'Events', path: '/events', heading: 'Events' },
  { label: 'Pipeline', path: '/pipeline', heading: 'Pipeline' },
  { label: 'Throughput', path: '/throughput', heading: 'Throughput' },
  { label: 'Reliability', path: '/reliability', heading: 'Reliability' },
  { label: 'Providers', path: '/providers', heading: 'Providers' },
  { label: 'Audit', path: '/audit', heading: 'Audit log' },
  { label: 'Users', path: '/admin/users', heading: 'Users' },
  { label: 'Alerts', path: '/admin/alerts', heading: 'Alerts' },
];
const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

test.use({ viewport: PHONE });

const setTheme = (page: Page, theme: (typeof THEMES)[number]) =>
  page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');

async function expectWithinPhone(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= PHONE.width, `${testId} at ${JSON.stringify(box)}`).toBe(true);
}

test('at a phone’s width the Menu button opens every section, each link navigates there, and the menu closes behind it', async ({
  page,
}) => {
  await page.goto('/throughput');
  const menuButton = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  // On a wide screen there is no menu: the sections and controls are the header's one row.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(menuButton).toBeHidden();
  await expect(nav.getByRole('link')).toHaveCount(SECTIONS.length);
  const row = await page.locator('header').boundingBox();
  expect(row!.height, 'the header is one row at 1280 px').toBeLessThan(70);
  await page.screenshot({ path: 'test-results/screenshots/header-wide.png' });
  await page.setViewportSize(PHONE);
  await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  // The button names what it opens, for a screen reader.
  const controls = await menuButton.getAttribute('aria-controls');
  expect(controls).toBeTruthy();
  await expect(
    page.locator(`[id="${controls}"]`).getByRole('navigation', { name: 'Main', includeHidden: true }),
  ).toHaveCount(1);
  await expectNoSidewaysScroll(page);

  for (const theme of THEMES) {
    await setTheme(page, theme);
    await menuButton.click();
    await expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    for (const section of SECTIONS)
      await expect(nav.getByRole('link', { name: section.label, exact: true })).toBeInViewport();
    // The header's controls fold in with them: the saved views, the theme, the time zone, the user.
    await expect(page.getByTestId('views-menu-button')).toBeInViewport();
    await expectNoSidewaysScroll(page);
    await page.screenshot({ path: `test-results/screenshots/menu-phone-${theme}.png` });
    await menuButton.click();
    await expect(nav).toBeHidden();
  }
  await setTheme(page, 'light');

  // From the end backwards, so each link leads away from the page before it.
  for (const section of [...SECTIONS].reverse()) {
    await menuButton.click();
    const link = nav.getByRole('link', { name: section.label, exact: true });
    await expect(link).toBeInViewport();
    await link.click();
    await expect(page).toHaveURL((url) => url.pathname === section.path, { timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1, name: section.heading, exact: true })).toBeVisible();
    await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    await expect(nav).toBeHidden();
    // The menu marks where it leads now (hidden with it, so found without the accessibility tree).
    await expect(page.locator('nav[aria-label="Main"] a[aria-current="page"]')).toHaveText(section.label);
  }

  // By keyboard: Enter opens it, Tab reaches the first section, Escape closes it and returns to the button.
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await expect(menuButton).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Tab');
  await expect(nav.getByRole('link', { name: 'Overview', exact: true })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menuButton).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await expect(menuButton).toBeFocused();
});

test('at a phone’s width the Quarantine and Release confirmations fit the screen, in both themes', async ({
  browser,
}) => {
  test.setTimeout(180_000); // up to three nodes tried, below
  const context = await browser.newContext({ viewport: PHONE, storageState: storageStateOf(E2E_OPERATOR.username) });
  const page = await context.newPage();
  const action = page.getByTestId('node-action');
  const dialog = page.getByTestId('node-action-dialog');
  const submit = page.getByTestId('action-submit');

  /** The open dialog lies within the screen in each theme, its confirm button reachable. */
  async function expectDialogFits(kind: 'quarantine' | 'release') {
    await expect(dialog).toBeVisible();
    for (const theme of THEMES) {
      await setTheme(page, theme);
      await expectWithinPhone(page, 'node-action-dialog');
      await submit.scrollIntoViewIfNeeded();
      await expect(submit).toBeInViewport();
      await page.screenshot({ path: `test-results/screenshots/${kind}-dialog-phone-${theme}.png` });
    }
    await setTheme(page, 'light');
  }

  // The simulated cluster faults nodes at random: a node it quarantined between our pick and our
  // request answers "already quarantined"; then the test takes another healthy node.
  const tried = new Set<string>();
  let name = '';
  for (let attempt = 1; ; attempt += 1) {
    await page.goto('/nodes?state=healthy');
    await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
    const names = await page.getByTestId('node-row').evaluateAll((rows) => rows.map((row) => row.dataset.node));
    name = names.find((each): each is string => each !== undefined && !tried.has(each))!;
    tried.add(name);
    await page.goto(`/nodes/${name}`);
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
    if ((await action.textContent())?.trim() !== 'Quarantine' && attempt < 3) continue;
    await expect(action).toHaveText('Quarantine');
    await expectNoSidewaysScroll(page);
    await action.click();
    await expectDialogFits('quarantine');
    await page.getByTestId('action-reason').fill('checking the dialog on a phone');
    await page.getByTestId('action-confirm-name').fill(name);
    await submit.click();
    const result = page.getByTestId('action-result');
    await expect(result).toContainText(/requested|already quarantined/);
    if (attempt < 3 && /already quarantined/.test((await result.textContent()) ?? '')) continue;
    await expect(result).toContainText('requested');
    break;
  }

  // Released again, so the node goes back to the pool the other tests pick from.
  await expect(page.getByTestId('node-state')).toHaveAttribute('data-state', QUARANTINED, { timeout: 15_000 });
  await expect(page.getByTestId('cluster-state')).toHaveAttribute('data-cluster', 'cordoned', { timeout: 15_000 });
  await expect(action).toHaveText('Release');
  await action.click();
  await expectDialogFits('release');
  await page.getByTestId('action-reason').fill('dialog checked');
  await page.getByTestId('action-confirm-name').fill(name);
  await submit.click();
  await expect(page.getByTestId('action-result')).toContainText('released');
  await expectWithinPhone(page, 'action-result');
  await context.close();
});
