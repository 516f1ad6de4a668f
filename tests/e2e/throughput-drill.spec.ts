// Issue 19's drill-down, on the demo: a bar segment of the Throughput chart opens the events behind
// it on the Events page (the series' filter and the bucket's window in the URL), and the page shows
// as many events as the chart counted there; from the keyboard the chart is one Tab stop whose
// arrow keys move between segments; a legend entry opens its series over the chart's range.
import { expect, test, type Locator, type Page } from '@playwright/test';

interface Segment {
  start: number;
  end: number;
  key: string;
  count: number;
  exact: boolean;
  name: string;
  /** Drawn height in pixels. */
  height: number;
}

const segmentsOf = (chart: Locator) =>
  chart.locator('a[data-segment-start]').evaluateAll((links) =>
    links.map((link) => ({
      start: Number(link.getAttribute('data-segment-start')),
      end: Number(link.getAttribute('data-segment-end')),
      key: link.getAttribute('data-segment-key') ?? '',
      count: Number(link.getAttribute('data-segment-count')),
      exact: link.getAttribute('data-segment-exact') === 'true',
      name: link.getAttribute('aria-label') ?? '',
      height: link.getBoundingClientRect().height,
    })),
  );

/**
 * A segment of a bucket that closed at least 20 s before the page was read, so the chart's count is
 * the server's and no event of it is still being written, drawn tall enough to point at: the
 * largest that fits one page of the Events page (100), else the smallest. The simulator starts with
 * the server (its first bucket holds a few seconds of events): this waits for one.
 */
async function closedSegment(page: Page, url: string): Promise<Segment> {
  let chosen: Segment | undefined;
  await expect
    .poll(
      async () => {
        const requested = Date.now();
        await page.goto(url);
        const chart = page.getByTestId('throughput-chart');
        // A loaded machine may draw the chart late: the next attempt loads it again.
        const drawn = await chart
          .locator('a[data-segment-start]')
          .first()
          .waitFor({ state: 'attached', timeout: 30_000 })
          .then(() => true)
          .catch(() => false);
        if (!drawn) return false;
        const closed = (await segmentsOf(chart)).filter(
          (segment) => segment.exact && segment.end <= requested - 20_000 && segment.height >= 6,
        );
        const fits = closed.filter((segment) => segment.count <= 100).sort((a, b) => b.count - a.count);
        chosen = fits[0] ?? closed.sort((a, b) => a.count - b.count)[0];
        return chosen !== undefined;
      },
      { timeout: 240_000, intervals: [15_000] },
    )
    .toBe(true);
  return chosen!;
}

/** The events the Events page lists for its search, every page of it ("Older events" continues). */
async function eventsListed(page: Page): Promise<number> {
  let total = 0;
  for (;;) {
    const summary = page.getByTestId('event-search-summary');
    await expect(summary).toHaveText(/^[\d,]+ events?/);
    const rows = await page.getByTestId('event-search-row').count();
    expect(Number((await summary.textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ''))).toBe(rows);
    total += rows;
    const older = page.getByTestId('event-search-older');
    if (!(await older.isVisible())) return total;
    const before = page.url();
    await older.click();
    await expect(page).not.toHaveURL(before);
  }
}

test('a closed bar segment opens its events on the Events page, as many as the chart counted', async ({ page }) => {
  test.setTimeout(420_000);
  const segment = await closedSegment(page, '/throughput?range=15m&by=checkName');
  const chart = page.getByTestId('throughput-chart');
  const link = chart.locator(`a[data-segment-start="${segment.start}"][data-segment-key="${segment.key}"]`);
  await expect(link).toHaveAttribute('aria-label', segment.name);
  expect(segment.name).toMatch(new RegExp(`^${segment.key}, .+–.+: ${segment.count.toLocaleString('en-US')} events?$`));
  await link.hover();
  await expect(page.getByText('Click a segment for its events')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-chart.png', fullPage: true });

  await link.click();
  await expect(page).toHaveURL(/\/events\?/);
  const params = new URL(page.url()).searchParams;
  expect(Object.fromEntries(params)).toEqual({
    check: segment.key,
    from: new Date(segment.start).toISOString(),
    to: new Date(segment.end).toISOString(),
  });
  await expect(page.getByRole('heading', { name: 'Events' })).toBeVisible();
  await expect(page.getByLabel('Check', { exact: true })).toHaveValue(segment.key);
  await expect(page.getByTestId('event-time')).toHaveValue('custom');
  // Every row is of that check.
  const checks = await page
    .getByTestId('event-search-row')
    .evaluateAll((rows) => rows.map((row) => row.querySelectorAll('td')[2]?.textContent ?? ''));
  expect(checks.length).toBeGreaterThan(0);
  for (const check of checks) expect(check).toContain(segment.key);
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-events.png' });
  expect(await eventsListed(page)).toBe(segment.count);
});

test('the chart from the keyboard: one Tab stop, arrow keys between segments, Enter opens one; a legend entry opens its series over the range', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await closedSegment(page, '/throughput?range=15m&by=isFatal');
  // From the last grouping button, Tab lands on one segment of the chart.
  await page.getByRole('group', { name: 'Stack by' }).getByRole('button', { name: 'Fatal / non-fatal' }).focus();
  await page.keyboard.press('Tab');
  const focused = page.locator('[data-testid="throughput-chart"] a:focus');
  await expect(focused).toHaveAttribute('aria-label', /^(fatal|non-fatal), .+–.+: [\d,]+ events?$/);
  const first = (await focused.getAttribute('aria-label'))!;
  await expect(page.getByText(/Enter opens them\.$/)).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(focused).not.toHaveAttribute('aria-label', first);
  await expect(focused).toHaveAttribute('aria-label', /^(fatal|non-fatal), .+–.+: [\d,]+ events?$/);
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-keyboard.png', fullPage: true });
  // Tab leaves the chart for the legend: the chart's other segments are not Tab stops.
  await page.keyboard.press('Tab');
  await expect(page.locator('a:focus')).toHaveAttribute('data-testid', 'throughput-legend-link');
  // Back in the chart, the segment the arrow key chose: Enter opens its bucket's events.
  await page.keyboard.press('Shift+Tab');
  const chosen = await focused.evaluate((link) => ({
    key: link.getAttribute('data-segment-key'),
    start: Number(link.getAttribute('data-segment-start')),
    end: Number(link.getAttribute('data-segment-end')),
  }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/events\?severity=/);
  expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({
    severity: chosen.key === 'true' ? 'fatal' : 'non-fatal',
    from: new Date(chosen.start).toISOString(),
    to: new Date(chosen.end).toISOString(),
  });
  await page.goBack();
  await expect(page).toHaveURL(/\/throughput\?/);

  await page
    .getByRole('list', { name: 'Series' })
    .getByRole('link', { name: /^non-fatal, last 15 min: / })
    .focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/events\?severity=non-fatal&from=/);
  const params = new URL(page.url()).searchParams;
  expect(new Date(params.get('to')!).getTime() - new Date(params.get('from')!).getTime()).toBe(15 * 60_000);
  await expect(page.getByRole('combobox', { name: /^Severity/ })).toHaveValue('non-fatal');
  await expect(page.getByTestId('event-search-summary')).toHaveText(/^[\d,]+ events?/);
});

test('the chart and its landing page in the dark theme', async ({ page }) => {
  test.setTimeout(420_000);
  await page.emulateMedia({ colorScheme: 'dark' });
  const segment = await closedSegment(page, '/throughput?range=1h&by=agent');
  const link = page
    .getByTestId('throughput-chart')
    .locator(`a[data-segment-start="${segment.start}"][data-segment-key="${segment.key}"]`);
  await page.getByRole('group', { name: 'Stack by' }).getByRole('button', { name: 'Fatal / non-fatal' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByText(/Enter opens them\.$/)).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-keyboard-dark.png', fullPage: true });
  await link.hover();
  await expect(page.getByText('Click a segment for its events')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-chart-dark.png', fullPage: true });
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/events\\?agent=${segment.key}&from=`));
  await expect(page.getByTestId('event-search-summary')).toHaveText(/^[\d,]+ events?/);
  await page.screenshot({ path: 'test-results/screenshots/throughput-drill-events-dark.png' });
});

test.describe('zoom', () => {
  // Clocks in UTC, so the test reads the axis as the page writes it.
  test.use({ timezoneId: 'UTC' });
  const MIN = 60_000;
  const clock = (at: number) => new Date(at).toISOString().slice(11, 16);
  /** The time axis's tick labels (recharts draws every axis's labels in one layer; the rate axis's have no colon). */
  const ticksOf = async (page: Page) =>
    (
      await page.getByTestId('throughput-chart').locator('.recharts-cartesian-axis-tick-value').allTextContents()
    ).filter((text) => /\d\d:\d\d/.test(text));
  /** Every minute's clock from `from` to `to`. */
  const minutesBetween = (from: number, to: number) =>
    new Set(Array.from({ length: Math.round((to - from) / MIN) + 1 }, (_, index) => clock(from + index * MIN)));

  test('a drag across the chart zooms into that time (from and to in the URL, the axis shows it); a click still opens a segment; Reset zoom and Z from the keyboard', async ({
    page,
  }) => {
    test.setTimeout(600_000);
    // Five closed minutes before the newest: the simulator starts with the server, so this waits
    // until the chart has that many.
    const chart = page.getByTestId('throughput-chart');
    let starts: number[] = [];
    await expect
      .poll(
        async () => {
          await closedSegment(page, '/throughput?range=1h&by=isFatal');
          starts = [...new Set((await segmentsOf(chart)).map((segment) => segment.start))].sort((a, b) => a - b);
          return starts.length;
        },
        { timeout: 400_000, intervals: [20_000] },
      )
      .toBeGreaterThanOrEqual(7);
    let first = starts[starts.length - 6];
    let last = starts[starts.length - 2];
    const centre = async (start: number) => {
      const box = (await chart.locator(`a[data-segment-start="${start}"]`).first().boundingBox())!;
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    const before = await ticksOf(page);
    const down = await centre(first);
    const up = await centre(last);
    await page.mouse.move(down.x, down.y);
    await page.mouse.down();
    await page.mouse.move((down.x + up.x) / 2, down.y, { steps: 5 });
    await expect(page.getByTestId('throughput-zoom-selection')).toBeVisible();
    await page.mouse.move(up.x, up.y, { steps: 5 });
    await page.mouse.up();

    // The page shows that time: the URL says it, the panel names it, the axis and the bars are of it.
    await expect(page).toHaveURL(/\/throughput\?/);
    await expect
      .poll(() => Object.keys(Object.fromEntries(new URL(page.url()).searchParams)).sort())
      .toEqual(['by', 'from', 'range', 'to']);
    const zoomed = Object.fromEntries(new URL(page.url()).searchParams);
    expect(zoomed).toMatchObject({ range: '1h', by: 'isFatal' });
    // The segments dragged across, or (when a new minute came in between measuring the bars and the
    // drag, and every bar moved one place left) the minute after each: the same four minutes wide.
    const zoomFrom = Date.parse(zoomed.from);
    expect([first, first + MIN], `from ${zoomed.from}`).toContain(zoomFrom);
    expect(Date.parse(zoomed.to) - zoomFrom, `to ${zoomed.to}`).toBe(last + MIN - first);
    [first, last] = [zoomFrom, Date.parse(zoomed.to) - MIN];
    await expect(page.getByTestId('throughput-zoom')).toContainText(`Zoomed to`);
    await expect(page.getByTestId('throughput-zoom')).toContainText(`${clock(first)} – `);
    await expect(page.getByTestId('throughput-panel')).toContainText('per second');
    const inZoom = minutesBetween(first, last + MIN);
    await expect(async () => {
      const ticks = await ticksOf(page);
      expect(ticks).not.toEqual(before);
      expect(ticks.length).toBeGreaterThan(1);
      for (const tick of ticks) expect(inZoom.has(tick.slice(0, 5)), `tick ${tick}`).toBe(true);
      const shown = (await segmentsOf(chart)).map((segment) => segment.start);
      expect(shown.length).toBeGreaterThan(0);
      for (const start of shown) expect(start >= first && start <= last, `bucket ${start}`).toBe(true);
    }).toPass({ timeout: 30_000 });
    await page.screenshot({ path: 'test-results/screenshots/throughput-zoomed.png', fullPage: true });

    // A click on a segment of the zoomed chart still opens its events.
    const segment = (await segmentsOf(chart)).find((each) => each.height >= 6)!;
    await chart.locator(`a[data-segment-start="${segment.start}"][data-segment-key="${segment.key}"]`).click();
    await expect(page).toHaveURL(/\/events\?severity=/);
    expect(new URL(page.url()).searchParams.get('from')).toBe(new Date(segment.start).toISOString());
    // Back is the zoom again; Reset zoom is the hour.
    await page.goBack();
    await expect(page.getByTestId('throughput-zoom')).toBeVisible();
    await page.getByRole('button', { name: /^Reset zoom/ }).click();
    await expect(page.getByTestId('throughput-zoom')).toBeHidden();
    await expect.poll(() => new URL(page.url()).searchParams.has('from')).toBe(false);
    await expect(page.getByTestId('throughput-panel')).toContainText('last 1 hour');

    // From the keyboard: Z on a segment zooms into its bucket, widened to five minutes around it.
    await page.getByRole('group', { name: 'Stack by' }).getByRole('button', { name: 'Fatal / non-fatal' }).focus();
    await page.keyboard.press('Tab');
    const focused = page.locator('[data-testid="throughput-chart"] a:focus');
    await expect(page.getByText(/Z zooms into its time; Enter opens them\.$/)).toBeVisible();
    const bucket = Number(await focused.getAttribute('data-segment-start'));
    await page.keyboard.press('z');
    await expect
      .poll(() => new URL(page.url()).searchParams.get('from'))
      .toBe(new Date(bucket - 2 * MIN).toISOString());
    expect(new URL(page.url()).searchParams.get('to')).toBe(new Date(bucket + 3 * MIN).toISOString());
    await expect(page.getByTestId('throughput-zoom')).toContainText(`${clock(bucket - 2 * MIN)} – `);
  });

  test('a zoom in the dark theme and at phone width; a zoom that cannot be read is named', async ({ page }) => {
    test.setTimeout(240_000);
    const to = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
    const zoomed = `/throughput?range=1h&by=agent&from=${new Date(to - 20 * MIN).toISOString()}&to=${new Date(to).toISOString()}`;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(zoomed);
    await expect(page.getByTestId('throughput-zoom')).toContainText('Zoomed to');
    await expect(page.getByTestId('throughput-chart').locator('.recharts-xAxis')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/throughput-zoomed-dark.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect(page.getByTestId('throughput-zoom')).toContainText('Zoomed to');
    await expect(page.getByTestId('throughput-chart').locator('.recharts-xAxis')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/throughput-zoomed-phone.png', fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await page.goto('/throughput?range=1h&by=agent&from=yesterday&to=now');
    await expect(page.getByTestId('throughput-panel')).toContainText(
      'from must be a time such as 2026-12-06T14:05:00Z (got "yesterday")',
    );
    await page.getByRole('button', { name: /^Reset zoom/ }).click();
    await expect(page.getByTestId('throughput-chart').locator('a[data-segment-start]').first()).toBeAttached({
      timeout: 60_000,
    });
  });
});
