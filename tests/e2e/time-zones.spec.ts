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

/** "19:35" of a time in a zone `offsetMs` ahead of UTC. */
const hourMinute = (at: number, offsetMs: number) => new Date(at + offsetMs).toISOString().slice(11, 16);

test("the Throughput chart's axis, tooltip and segment names, and the Events search's From and To, follow the UTC switch", async ({
  page,
}) => {
  test.setTimeout(150_000);
  // The Events search over a window given in the URL: its From and To are clocks in the page's zone.
  const from = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
  const to = from + 90 * 60_000;
  const inputOf = (at: number, offsetMs: number) => new Date(at + offsetMs).toISOString().slice(0, 16);
  await page.goto(`/events?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  // Chromium names the zone by its older name, Asia/Calcutta.
  await expect(page.getByLabel(/^From \(Asia\/(Kolkata|Calcutta)\)$/)).toHaveValue(inputOf(from, KOLKATA_OFFSET_MS));
  await expect(page.getByLabel(/^To \(Asia\/(Kolkata|Calcutta); empty: now\)$/)).toHaveValue(
    inputOf(to, KOLKATA_OFFSET_MS),
  );
  const utcSwitch = page.getByRole('switch', { name: 'Times in UTC' });
  await utcSwitch.click();
  await expect(page.getByLabel('From (UTC)')).toHaveValue(inputOf(from, 0));
  await expect(page.getByLabel('To (UTC; empty: now)')).toHaveValue(inputOf(to, 0));
  // A From typed in UTC is searched as that UTC time.
  const earlier = from - 30 * 60_000;
  await page.getByLabel('From (UTC)').fill(inputOf(earlier, 0));
  await page.getByTestId('event-search-submit').click();
  await expect
    .poll(() => {
      const params = new URL(page.url()).searchParams;
      return [params.get('from'), params.get('to')];
    })
    .toEqual([new Date(earlier).toISOString(), new Date(to).toISOString()]);
  await expect(page.getByLabel('From (UTC)')).toHaveValue(inputOf(earlier, 0));
  await utcSwitch.click();
  await expect(utcSwitch).toHaveAttribute('aria-checked', 'false');

  // The Throughput chart: 1-minute buckets of the last hour. Kolkata's clock is 5 h 30 min ahead,
  // so no tick of the last hour reads the same in both zones.
  await page.goto('/throughput?range=1h&by=agent');
  const chart = page.getByTestId('throughput-chart');
  await chart.locator('a[data-segment-start]').first().waitFor({ state: 'attached', timeout: 60_000 });
  // A bucket from the middle of the hour: it neither rolls off nor fills while the test reads it.
  const starts = [
    ...new Set(
      await chart
        .locator('a[data-segment-start]')
        .evaluateAll((links) => links.map((link) => Number(link.getAttribute('data-segment-start')))),
    ),
  ].sort((a, b) => a - b);
  const start = starts[Math.floor(starts.length / 2)];
  const segment = chart.locator(`a[data-segment-start="${start}"]`).first();
  await expect(page.getByTestId('throughput-zone')).toHaveText('Times in UTC+05:30');
  // The time axis's tick labels (recharts draws every axis's labels in one layer; the rate axis's have no colon).
  const ticks = async () =>
    (await chart.locator('.recharts-cartesian-axis-tick-value').allTextContents()).filter((text) =>
      /\d\d:\d\d/.test(text),
    );
  /** Every minute of the chart (and a little more, for buckets that roll while it is read) in a zone. */
  const minutes = (offsetMs: number) => {
    const newest = Math.floor(Date.now() / 60_000) * 60_000;
    return new Set(Array.from({ length: 70 }, (_, index) => hourMinute(newest - (index - 3) * 60_000, offsetMs)));
  };
  const readIn = async (offsetMs: number, otherMs: number) => {
    await expect(async () => {
      const shown = await ticks();
      expect(shown.length).toBeGreaterThan(1);
      const mine = minutes(offsetMs);
      const other = minutes(otherMs);
      for (const tick of shown) {
        expect(mine.has(tick), `tick ${tick}`).toBe(true);
        expect(other.has(tick), `tick ${tick}`).toBe(false);
      }
    }).toPass({ timeout: 30_000 });
    // The segment's link names its bucket in the zone.
    await expect(segment).toHaveAttribute(
      'aria-label',
      new RegExp(`, ${hourMinute(start, offsetMs)}–${hourMinute(start + 60_000, offsetMs)}: `),
    );
  };
  await readIn(KOLKATA_OFFSET_MS, 0);
  await segment.hover();
  // The tooltip names the bucket under the pointer, with its zone.
  await expect(
    page.getByText(
      `${hourMinute(start, KOLKATA_OFFSET_MS)}–${hourMinute(start + 60_000, KOLKATA_OFFSET_MS)} UTC+05:30`,
    ),
  ).toBeVisible();

  await utcSwitch.click();
  await expect(page.getByTestId('throughput-zone')).toHaveText('Times in UTC');
  await readIn(0, KOLKATA_OFFSET_MS);
  await page.screenshot({ path: 'test-results/screenshots/throughput-times-utc.png', fullPage: true });
  await utcSwitch.click();
  await expect(page.getByTestId('throughput-zone')).toHaveText('Times in UTC+05:30');
});
