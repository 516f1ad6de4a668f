// Named views (issue 19) as operators use them: an operator filters the Events page, saves it from
// the header's Views menu, and opens it in a fresh page with one click; its link opens nothing for
// a viewer until the operator shares it, then the Events page with that filter; once deleted, the
// link opens nothing again. Screenshots of the menu and the Views page in both themes, wide and at a
// phone's width.
import { expect, test, type Browser, type Page } from '@playwright/test';

import { E2E_OPERATOR, E2E_VIEWER, storageStateOf } from './support/accounts';

const THEMES = ['light', 'dark'] as const;
const PHONE = { width: 390, height: 844 };

const setTheme = (page: Page, theme: (typeof THEMES)[number]) =>
  page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');

const pageAs = async (browser: Browser, username: string) =>
  (await browser.newContext({ storageState: storageStateOf(username) })).newPage();

test('an operator saves a filtered Events view, opens it from the menu in a fresh page, shares its link with a viewer, and deletes it', async ({
  browser,
}) => {
  const name = `fatal XID 79 ${Date.now().toString(36)}`;
  const operator = await pageAs(browser, E2E_OPERATOR.username);
  await operator.goto('/events?severity=fatal&xid=79&range=24h');
  await expect(operator.getByRole('heading', { name: 'Events', level: 1 })).toBeVisible();

  // Saved from the header's menu: the page and the filter its URL holds.
  await operator.getByRole('button', { name: 'Views', exact: true }).click();
  const menu = operator.getByTestId('views-menu');
  await menu.getByRole('textbox').fill(name);
  await menu.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(menu.getByTestId('views-menu-answer')).toHaveText(
    `View "${name}" saved: Events filtered by xid=79&severity=fatal&range=24h`,
  );
  await expect(menu.getByRole('link', { name })).toBeVisible();
  for (const theme of THEMES) {
    await setTheme(operator, theme);
    await operator.screenshot({ path: `test-results/screenshots/views-menu-${theme}.png` });
  }
  await setTheme(operator, 'light');

  // A fresh page on another page: one click in the menu opens the Events page filtered as saved.
  const fresh = await pageAs(browser, E2E_OPERATOR.username);
  await fresh.goto('/pipeline');
  await fresh.getByRole('button', { name: 'Views', exact: true }).click();
  await fresh.getByTestId('views-menu').getByRole('link', { name }).click();
  await expect(fresh).toHaveURL(/\/events\?xid=79&severity=fatal&range=24h$/);
  await expect(fresh.locator('select[name="severity"]')).toHaveValue('fatal');

  // Its stable link, from the Views page.
  await fresh.goto('/views');
  const item = fresh.getByTestId('saved-view').filter({ hasText: name });
  await expect(item).toContainText('private');
  const link = `/views/${await item.getAttribute('data-view-id')}`;

  // Private: the viewer's browser finds no view there.
  const viewer = await pageAs(browser, E2E_VIEWER.username);
  await viewer.goto(link);
  await expect(viewer.getByRole('heading', { name: 'View not found' })).toBeVisible();

  // Shared: the same link opens the Events page with the filter for the viewer.
  await item.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(fresh.getByTestId('views-answer')).toContainText(`View "${name}" shared`);
  await expect(item).toContainText('shared');
  await viewer.goto(link);
  await expect(viewer).toHaveURL(/\/events\?xid=79&severity=fatal&range=24h$/);
  await expect(viewer.locator('select[name="severity"]')).toHaveValue('fatal');
  // The viewer may not rename or delete the operator's view: no buttons, and the route refuses.
  const refused = await viewer.request.delete(`/api/${link.slice(1)}`, {
    headers: { origin: new URL(viewer.url()).origin },
  });
  expect(refused.status()).toBe(403);

  for (const theme of THEMES) {
    await setTheme(fresh, theme);
    await fresh.screenshot({ path: `test-results/screenshots/views-page-${theme}.png`, fullPage: true });
  }
  await setTheme(fresh, 'light');

  // Deleted by its owner: gone from the list, and its link opens nothing.
  await item.getByRole('button', { name: 'Delete…' }).click();
  await item.getByRole('button', { name: 'Delete view' }).click();
  await expect(fresh.getByTestId('views-answer')).toHaveText(`View "${name}" deleted`);
  await expect(fresh.getByTestId('saved-view').filter({ hasText: name })).toHaveCount(0);
  await viewer.goto(link);
  await expect(viewer.getByRole('heading', { name: 'View not found' })).toBeVisible();
});

test('a view naming a parameter the page does not know is refused with its name, and nothing is saved', async ({
  browser,
}) => {
  const page = await pageAs(browser, E2E_OPERATOR.username);
  await page.goto('/nodes?state=unhealthy&colour=red');
  await page.getByRole('button', { name: 'Views', exact: true }).click();
  const menu = page.getByTestId('views-menu');
  await menu.getByRole('textbox').fill('red nodes');
  await menu.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(menu.getByTestId('views-menu-answer')).toContainText(
    'query has a parameter the Nodes page does not know: "colour"',
  );
  await expect(menu.getByRole('link', { name: 'red nodes' })).toHaveCount(0);
});

test('at a phone’s width the Views menu opens inside the header’s menu and fits the screen', async ({ browser }) => {
  const page = await pageAs(browser, E2E_OPERATOR.username);
  await page.setViewportSize(PHONE);
  await page.goto('/nodes?state=healthy');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('button', { name: 'Views', exact: true }).click();
  const menu = page.getByTestId('views-menu');
  await expect(menu.getByRole('button', { name: 'Save', exact: true })).toBeVisible();
  const box = await menu.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= PHONE.width, `views menu at ${JSON.stringify(box)}`).toBe(true);
  for (const theme of THEMES) {
    await setTheme(page, theme);
    await page.screenshot({ path: `test-results/screenshots/views-menu-phone-${theme}.png` });
  }
  // Escape closes the views panel first, leaving the header's menu open.
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(page.getByRole('button', { name: 'Menu' })).toHaveAttribute('aria-expanded', 'true');
});
