// Bulk actions on the Nodes page (issue 19): an operator ticks three healthy nodes, the dry run
// names them, a typed confirmation quarantines them, each node is quarantined and the audit log
// has a row per node; then a bulk release of the same three. A viewer sees no selection.
import { expect, test, type Page } from '@playwright/test';

import { E2E_OPERATOR, E2E_VIEWER, storageStateOf } from './support/accounts';
import { isSimulatedNode, muteNode, unmuteAll } from './support/simulated-cluster';

const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

test.afterEach(unmuteAll);

const row = (page: Page, name: string) => page.locator(`[data-testid="node-row"][data-node="${name}"]`);

/** The node's state as its API answers it. */
async function stateOf(page: Page, name: string): Promise<string | null> {
  const response = await page.request.get(`/api/nodes/${encodeURIComponent(name)}?range=1h`);
  if (!response.ok()) return null;
  return ((await response.json()) as { view: { state: string } | null }).view?.state ?? null;
}

/** The healthy nodes now, as the Nodes page's API lists them. */
async function healthyNodes(page: Page): Promise<string[]> {
  const response = await page.request.get('/api/nodes?state=healthy');
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { nodes: { name: string }[] }).nodes
    .map((node) => node.name)
    .filter(isSimulatedNode);
}

/** Ticks each node's row; false when a row left the list first (the node is no longer healthy). */
async function tick(page: Page, names: string[], timeout: number): Promise<boolean> {
  for (const name of names) {
    const box = row(page, name).getByTestId('node-select');
    try {
      await box.check({ timeout });
    } catch {
      return false;
    }
  }
  return true;
}

/** Screenshots of the open dialog: light and dark at the desktop width, and both at 390 px. */
async function screenshots(page: Page, name: string) {
  const dialog = page.getByTestId('bulk-dialog');
  for (const [width, height, suffix] of [
    [1280, 800, ''],
    [390, 844, '-phone'],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
      // At a phone's width the dialog stays within the screen and its buttons are reachable.
      const box = (await dialog.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      // Nor does the page under it (the bulk bar, the selection column) need a sideways scroll.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `test-results/screenshots/${name}${suffix}-${theme}.png` });
    }
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'));
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('a bulk quarantine of three healthy nodes with its dry run, then a bulk release of the three', async ({
  browser,
}) => {
  test.setTimeout(480_000);
  const context = await browser.newContext({ storageState: storageStateOf(E2E_OPERATOR.username) });
  const page = await context.newPage();
  const startedAt = new Date().toISOString();

  // Three healthy nodes, muted so no simulated fault races the operator. The simulated cluster
  // faults nodes often: one written just before the mute may still take a node out of the healthy
  // list (its row goes) or quarantine it (the dry run refuses it); then three others are taken.
  const tried = new Set<string>();
  let names: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const last = attempt === 4;
    names = (await healthyNodes(page)).filter((name) => !tried.has(name)).slice(0, 3);
    expect(names).toHaveLength(3);
    for (const name of names) {
      tried.add(name);
      await muteNode(name);
    }
    await page.goto('/nodes?state=healthy');
    await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
    if (!(await tick(page, names, last ? 15_000 : 5_000)) && !last) continue;
    await expect(page.getByTestId('bulk-selected')).toHaveText('3 selected');

    await page.getByTestId('bulk-quarantine').click();
    const plan = page.getByTestId('bulk-plan');
    await expect(plan).toBeVisible({ timeout: 30_000 });
    if ((await plan.getAttribute('data-act')) !== '3' && !last) {
      await page.getByTestId('bulk-close').click();
      continue;
    }
    break;
  }

  // The dry run: how many, which, and the circuit breaker's limit before a quarantine.
  await expect(page.getByTestId('bulk-plan')).toHaveAttribute('data-act', '3');
  await expect(page.getByTestId('bulk-plan-count')).toHaveText('Quarantine 3 nodes:');
  await expect(page.getByTestId('bulk-plan-act').locator('li')).toHaveText(names);
  await expect(page.getByTestId('bulk-breaker')).toContainText(/Circuit breaker: .*limit \d+ cordons in \d+ s/);
  await expect(page.getByTestId('bulk-breaker')).toContainText(/GPU nodes cordoned: \d+ now, \d+ after/);

  const submit = page.getByTestId('bulk-submit');
  await page.getByTestId('bulk-reason').fill('rack 7 power maintenance');
  await expect(submit).toBeDisabled(); // not confirmed yet
  await page.getByTestId('bulk-confirm').fill('QUARANTINE 2');
  await expect(submit).toBeDisabled(); // the wrong count
  await page.getByTestId('bulk-confirm').fill('QUARANTINE 3');
  await screenshots(page, 'bulk-quarantine-dry-run');
  await submit.click();

  // A result per node.
  const results = page.getByTestId('bulk-result');
  await expect(results).toHaveCount(3, { timeout: 30_000 });
  for (const name of names) {
    await expect(results.and(page.locator(`[data-node="${name}"]`))).toHaveAttribute('data-ok', 'true');
    await expect(results.and(page.locator(`[data-node="${name}"]`))).toContainText(`Quarantine of ${name} requested`);
  }
  await expect(page.getByTestId('bulk-results')).toContainText('3 of 3 done.');
  await page.screenshot({ path: 'test-results/screenshots/bulk-quarantine-results.png' });
  await page.getByTestId('bulk-close').click();
  await expect(page.getByTestId('bulk-selected')).toHaveText('0 selected');

  // Each node ends quarantined (fault-quarantine cordons it, node-drainer drains it).
  for (const name of names) await expect.poll(() => stateOf(page, name), { timeout: 60_000 }).toMatch(QUARANTINED);

  // One audit row per node, all of one request.
  await page.goto(`/audit?action=node.quarantine&actor=${E2E_OPERATOR.username}&from=${encodeURIComponent(startedAt)}`);
  const entries = page.getByTestId('audit-entry');
  await expect(entries).toHaveCount(3, { timeout: 30_000 });
  const quarantineRows = await entries.evaluateAll((rows) =>
    rows.map((element) => ({
      target: element.getAttribute('data-target'),
      outcome: element.getAttribute('data-outcome'),
      requestId: element.getAttribute('data-request-id'),
    })),
  );
  expect(quarantineRows.map((entry) => entry.target).sort()).toEqual([...names].sort());
  expect(new Set(quarantineRows.map((entry) => entry.outcome))).toEqual(new Set(['ok']));
  expect(new Set(quarantineRows.map((entry) => entry.requestId)).size).toBe(1);

  // The bulk release of the same three: the whole list (48 nodes, one page), quarantined first.
  await page.goto('/nodes');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  for (const name of names) await row(page, name).getByTestId('node-select').check();
  await expect(page.getByTestId('bulk-selected')).toHaveText('3 selected');
  await page.getByTestId('bulk-release').click();
  await expect(page.getByTestId('bulk-plan')).toHaveAttribute('data-act', '3', { timeout: 30_000 });
  await expect(page.getByTestId('bulk-plan-count')).toHaveText('Release 3 nodes:');
  await expect(page.getByTestId('bulk-breaker')).toHaveCount(0); // shown before a quarantine only
  await page.getByTestId('bulk-reason').fill('rack 7 power restored');
  await page.getByTestId('bulk-confirm').fill('RELEASE 3');
  await screenshots(page, 'bulk-release-dry-run');
  await page.getByTestId('bulk-submit').click();
  await expect(page.getByTestId('bulk-results')).toHaveAttribute('data-done', '3', { timeout: 30_000 });
  for (const name of names)
    await expect(results.and(page.locator(`[data-node="${name}"]`))).toContainText(`${name} released`);
  await page.getByTestId('bulk-close').click();
  for (const name of names) await expect.poll(() => stateOf(page, name), { timeout: 60_000 }).toBe('released');

  await page.goto(`/audit?action=node.release&actor=${E2E_OPERATOR.username}&from=${encodeURIComponent(startedAt)}`);
  await expect(entries).toHaveCount(3, { timeout: 30_000 });
  expect(
    (await entries.evaluateAll((rows) => rows.map((element) => element.getAttribute('data-target')))).sort(),
  ).toEqual([...names].sort());
  await context.close();
});

test('"select all matching this filter" dry-runs every node the filter matches, and changes nothing', async ({
  browser,
}) => {
  const context = await browser.newContext({ storageState: storageStateOf(E2E_OPERATOR.username) });
  const page = await context.newPage();
  await page.goto('/nodes?state=healthy');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('bulk-select-all').click();
  await expect(page.getByTestId('bulk-selected')).toHaveText(/^All \d+ nodes matching this filter selected$/);
  await page.getByTestId('bulk-release').click();
  // Healthy nodes have nothing to release: every one is refused, with why, and nothing is offered.
  const plan = page.getByTestId('bulk-plan');
  await expect(plan).toHaveAttribute('data-act', '0', { timeout: 30_000 });
  expect(Number(await plan.getAttribute('data-refused'))).toBeGreaterThan(0);
  await expect(page.getByTestId('bulk-plan-refused')).toContainText('not quarantined');
  await expect(page.getByTestId('bulk-submit')).toHaveCount(0);
  await page.getByTestId('bulk-close').click();
  await context.close();
});

test('a viewer sees no selection and no bulk bar', async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateOf(E2E_VIEWER.username) });
  const page = await context.newPage();
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('node-select')).toHaveCount(0);
  await expect(page.getByTestId('bulk-bar')).toHaveCount(0);
  await context.close();
});
