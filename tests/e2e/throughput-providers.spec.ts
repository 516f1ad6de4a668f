import { expect, test } from '@playwright/test';

const number = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));

test('the throughput chart fills with the simulated cluster’s events and restacks by fatality', async ({ page }) => {
  await page.goto('/throughput');
  await expect(page.getByRole('heading', { name: 'Throughput' })).toBeVisible();
  await expect(page.getByTestId('throughput-provider')).toHaveText('PostgreSQL');
  // The simulator writes about 20 events/s: counted by the server, or added by the live stream.
  await expect
    .poll(async () => number(await page.getByTestId('throughput-total').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(0);
  // A bar with events has a drawn rectangle (recharts draws none for an empty one).
  await expect(page.getByTestId('throughput-chart').locator('path.recharts-rectangle').first()).toBeVisible();
  await expect
    .poll(async () => number(await page.getByTestId('throughput-rate').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(0);

  const fatality = page.getByRole('group', { name: 'Stack by' }).getByRole('button', { name: 'Fatal / non-fatal' });
  await fatality.click();
  await expect(fatality).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/by=isFatal/);
  await expect(page.getByRole('list', { name: 'Series' })).toContainText('non-fatal');

  const quarter = page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '15m' });
  await quarter.focus();
  await page.keyboard.press('Enter');
  await expect(quarter).toHaveAttribute('aria-pressed', 'true');
  await expect(page).toHaveURL(/range=15m/);
  await expect(page.getByTestId('throughput-panel')).toContainText('per second');
  await expect
    .poll(async () => number(await page.getByTestId('throughput-total').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screenshots/throughput.png', fullPage: true });
});

test('the providers page names the provider and shows per-operation latency', async ({ page }) => {
  await page.goto('/providers');
  await expect(page.getByRole('heading', { name: 'Providers' })).toBeVisible();
  const primary = page.getByTestId('datastore-primary');
  await expect(primary.getByTestId('provider-name')).toHaveText('PostgreSQL');
  await expect(primary.getByTestId('ping-ms')).toContainText('ms');
  const rows = primary.getByTestId('operation-row');
  await expect(rows.first()).toBeVisible();
  await expect(rows.first()).toContainText('ms');
  await expect(primary.locator('[data-testid="operation-row"][data-operation="ping"]')).toBeVisible();
  await expect(page.getByTestId('datastore-placeholder')).toContainText('SECONDARY_DATABASE_URL');
  await page.screenshot({ path: 'test-results/screenshots/providers.png', fullPage: true });
});
