// Issue 19's times: every time says its zone, and the header's switch shows them all in UTC instead
// of the viewer's own zone, remembered by the browser in a cookie the server reads, so a page comes
// from the server already in the chosen zone. The browser runs in Asia/Kolkata (UTC+05:30 all year),
// so the two readings of a known time, an audit row's, always differ.
import { expect, test, type Page } from '@playwright/test';

import { E2E_ADMIN, storageStateOf } from './support/accounts';

test.use({ timezoneId: 'Asia/Kolkata' });

const KOLKATA_OFFSET_MS = (5 * 60 + 30) * 60_000;
/** "2026-12-06 13:05:03" of an ISO time, shifted by `offsetMs`. */
const clockText = (at: number, offsetMs: number) =>
  new Date(at + offsetMs).toISOString().slice(0, 19).replace('T', ' ');

/** The audit row of the viewer account's creation (auth.setup.ts made it) and its time. */
async function knownAuditTime(page: Page) {
  await page.goto('/audit?action=user.create&target=user%2Fe2e-viewer');
  const time = page.getByTestId('audit-entry').first().locator('time').first();
  await expect(time).toBeVisible();
  const at = Date.parse((await time.getAttribute('datetime'))!);
  return {
    time,
    local: `${clockText(at, KOLKATA_OFFSET_MS)} UTC+05:30`,
    utc: `${clockText(at, 0)} UTC`,
  };
}

/** The page as the server sends it, before any script runs: with this browser's cookies. */
const serverHtml = async (page: Page) => (await page.request.get(page.url())).text();

test('times show their zone; the UTC switch shows them in UTC, remembered by this browser and rendered so by the server', async ({
  page,
  browser,
}) => {
  test.setTimeout(150_000); // seven server-rendered pages, in two browsers, on a machine the build shares
  const { time, local, utc } = await knownAuditTime(page);
  const utcSwitch = page.getByRole('switch', { name: 'Times in UTC' });
  await expect(utcSwitch).toHaveAttribute('aria-checked', 'false');
  await expect(time).toHaveText(local);
  await expect(page.getByLabel('From (Asia/')).toBeVisible();
  // The server knew the browser's zone (the page's inline script told it in a cookie).
  expect(await serverHtml(page)).toContain(local);

  await utcSwitch.click();
  await expect(utcSwitch).toHaveAttribute('aria-checked', 'true');
  await expect(time).toHaveText(utc);
  await expect(page.getByLabel('From (UTC)')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/audit-times-utc.png', fullPage: true });

  // Remembered: the server sends the page in UTC, and it stays so once the browser takes over.
  expect(await serverHtml(page)).toContain(utc);
  await page.reload();
  await expect(time).toHaveText(utc);
  await expect(utcSwitch).toHaveAttribute('aria-checked', 'true');
  // Another page: the node page's times too (its event table's, and the timeline's caption).
  await page.goto('/nodes');
  const node = (await page.getByTestId('node-row').first().getAttribute('data-node', { timeout: 30_000 }))!;
  await page.goto(`/nodes/${node}`);
  await expect(page.getByTestId('timeline-caption')).toContainText('times in UTC');

  // Per browser: another browser of the same user still shows its own zone.
  const other = await browser.newContext({
    timezoneId: 'Asia/Kolkata',
    storageState: storageStateOf(E2E_ADMIN.username),
  });
  const otherPage = await other.newPage();
  const there = await knownAuditTime(otherPage);
  await expect(there.time).toHaveText(local);
  await other.close();

  // And back.
  await page.goto('/audit?action=user.create&target=user%2Fe2e-viewer');
  await utcSwitch.click();
  await expect(utcSwitch).toHaveAttribute('aria-checked', 'false');
  await expect(time).toHaveText(local);
  expect(await serverHtml(page)).toContain(local);
});
