// Issue 19's done-when, on the demo: find every node with a given XID in the last hour and open the
// GPU that failed. A fatal XID 79 is injected on one healthy node through the simulator's control
// (as its monitors write it: one GPU), so the search has a known answer beside the simulator's own.
import { expect, test, type Page } from '@playwright/test';

import { simulatorControlURL } from '../../playwright.config';

/** A node with a fresh XID 79 (injected; or, when the simulator has no healthy node left, its own newest). */
async function nodeWithXid79(page: Page): Promise<{ node: string; recordId: string }> {
  const response = await fetch(`${simulatorControlURL}/faults`, { method: 'POST', body: JSON.stringify({ nodes: 1 }) });
  if (response.status === 200) {
    const injected = (await response.json()) as { nodes: string[]; recordIds: string[] };
    return { node: injected.nodes[0], recordId: injected.recordIds[0] };
  }
  let found: { node: string; recordId: string } | undefined;
  await expect
    .poll(
      async () => {
        const page1 = await (await page.request.get('/api/events?xid=79&range=1h&limit=1')).json();
        const event = page1.events?.[0];
        found = event ? { node: event.nodeName, recordId: event.recordId } : undefined;
        return Boolean(found);
      },
      { timeout: 120_000, intervals: [2_000] },
    )
    .toBe(true);
  return found!;
}

test('find every node with XID 79 in the last hour, group them by node, and open the GPU that failed on its node page', async ({
  page,
}) => {
  const { node, recordId } = await nodeWithXid79(page);

  // The search, every filter in the URL: events newest first, each with its node, XID and GPU.
  await page.goto('/events?xid=79&range=1h');
  await expect(page.getByRole('link', { name: 'Events', exact: true })).toHaveAttribute('aria-current', 'page');
  const injectedRow = page.locator(`[data-testid="event-search-row"][data-record-id="${recordId}"]`);
  await expect(injectedRow).toBeVisible({ timeout: 30_000 });
  await expect(injectedRow).toHaveAttribute('data-node', node);
  await expect(injectedRow.getByTestId('event-entity')).toHaveText(/^GPU \d+$/);
  const rows = page.getByTestId('event-search-row');
  // Every row carries XID 79 (the XID cell is the fourth).
  const xids = await rows.evaluateAll((all) => all.map((row) => row.querySelectorAll('td')[3]?.textContent ?? ''));
  expect(xids.length).toBeGreaterThan(0);
  for (const cell of xids) expect(cell.split(', ')).toContain('79');
  await page.screenshot({ path: 'test-results/screenshots/events.png', fullPage: true });

  // Grouped by node: the node is there with its count and the GPU that failed.
  await page.getByTestId('event-view').getByRole('button', { name: 'By node' }).click();
  await expect(page).toHaveURL(/view=nodes/);
  await expect(page).toHaveURL(/xid=79/);
  const group = page.locator(`[data-testid="event-node-group"][data-node="${node}"]`);
  await expect(group).toBeVisible({ timeout: 30_000 });
  const count = Number(await group.getByTestId('event-node-group-count').textContent());
  expect(count).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: 'test-results/screenshots/events-by-node.png', fullPage: true });

  // The GPU: the search narrowed to that node's GPU, where the failing event is.
  const gpu = (await injectedGpu(page, node, recordId))!;
  await group
    .getByTestId('event-node-group-entity')
    .filter({ hasText: new RegExp(`^GPU ${gpu}$`) })
    .click();
  await expect(page).toHaveURL(new RegExp(`entity=GPU%3A${gpu}`));
  await expect(page).toHaveURL(new RegExp(`node=${node}`));
  const gpuRow = page.locator(`[data-testid="event-search-row"][data-record-id="${recordId}"]`);
  await expect(gpuRow).toBeVisible({ timeout: 30_000 });
  for (const row of await page.getByTestId('event-search-row').all()) {
    await expect(row).toHaveAttribute('data-node', node);
    await expect(row.getByTestId('event-entity')).toHaveText(`GPU ${gpu}`);
  }

  // Open the event from its GPU: every field in place, then its node page at the event.
  await gpuRow.getByTestId('event-entity').click();
  const details = page.getByTestId('event-details');
  await expect(details).toContainText(`GPU ${gpu}`);
  await expect(details).toContainText(recordId);
  await page.screenshot({ path: 'test-results/screenshots/events-gpu-open.png', fullPage: true });
  await details.getByTestId('event-open-node').click();
  await expect(page).toHaveURL(new RegExp(`/nodes/${node}\\?range=1h&event=${recordId}`));
  await expect(page.getByTestId('node-name')).toHaveText(node);
});

/** The GPU of the failing event, as the search shows it. */
async function injectedGpu(page: Page, node: string, recordId: string): Promise<string | undefined> {
  const answer = await (await page.request.get(`/api/events?xid=79&range=1h&node=${node}&limit=500`)).json();
  const event = answer.events.find((candidate: { recordId: string }) => candidate.recordId === recordId);
  return event?.entities.find((entity: { entityType: string }) => entity.entityType === 'GPU')?.entityValue;
}

test('a bad filter is named on the page, the export downloads the search, and the page fits a phone in both themes', async ({
  page,
}) => {
  await page.goto('/events?xid=seventy-nine&range=1h');
  await expect(page.getByTestId('event-search-results').getByRole('alert')).toHaveText(
    'xid must be an XID: digits only, such as 79 (got "seventy-nine")',
  );
  // A misspelt filter is named, not dropped (dropped, the page would show every event).
  await page.goto('/events?errorCode=79&range=1h');
  await expect(page.getByTestId('event-search-results').getByRole('alert')).toHaveText(
    /^unknown parameter "errorCode" \(did you mean xid\?\); the search takes xid, check, /,
  );

  const csv = await page.request.get('/api/events?xid=79&range=1h&format=csv');
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-disposition']).toMatch(/^attachment; filename="sentinel-console-events-.+\.csv"$/);
  expect((await csv.text()).split('\r\n')[0]).toBe(
    'time,node,check,xid,entities,severity,is_fatal,recommended_action,message,agent,component_class,record_id',
  );
  // The export reads the window shown: the hour the page read, as from and to (a range read again later would move).
  await page.goto('/events?range=1h');
  const exported = new URL((await page.getByTestId('event-export-json').getAttribute('href'))!, 'http://console');
  expect(exported.pathname).toBe('/api/events');
  expect([...exported.searchParams.keys()]).toEqual(['from', 'to', 'format']);
  expect(exported.searchParams.get('format')).toBe('json');
  expect(Date.parse(exported.searchParams.get('to')!) - Date.parse(exported.searchParams.get('from')!)).toBe(3_600_000);

  for (const dark of [false, true]) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate((on) => document.documentElement.classList.toggle('dark', on), dark);
    await expect(page.getByTestId('event-search-row').first()).toBeVisible({ timeout: 30_000 });
    // The page itself does not scroll sideways (the table does, inside its panel), and Search is reachable.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId('event-search-submit').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('event-search-submit')).toBeInViewport();
    await page.screenshot({
      path: `test-results/screenshots/events-phone-${dark ? 'dark' : 'light'}.png`,
      fullPage: true,
    });
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'));
  await page.setViewportSize({ width: 1280, height: 720 });
});
