import path from 'node:path';

import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect, test, type Page } from '@playwright/test';

import { e2eDataDir, simulatorControlURL } from '../../playwright.config';

import { E2E_OPERATOR, storageStateOf } from './support/accounts';

const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

async function aHealthyNode(page: Page): Promise<string> {
  await page.goto('/nodes?state=healthy');
  const row = page.getByTestId('node-row').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  return (await row.getAttribute('data-node'))!;
}

test('browse nodes, filter by state in the URL, open a node and see its timeline and events', async ({ page }) => {
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  const total = Number((await page.getByTestId('count-healthy').textContent())?.replace(/\D/g, ''));
  expect(total).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screenshots/nodes.png', fullPage: true });

  await page.getByTestId('count-healthy').click();
  await expect(page).toHaveURL(/state=healthy/);
  // The list follows the filter (and the live stream keeps it filtered).
  await expect
    .poll(
      async () =>
        new Set(
          await page.getByTestId('node-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state'))),
        ),
    )
    .toEqual(new Set(['healthy']));

  const name = (await page.getByTestId('node-row').first().getAttribute('data-node'))!;
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByTestId('node-name')).toHaveText(name);
  await expect(page.getByTestId('node-timeline').locator('svg').first()).toBeVisible();
  await expect(page.getByTestId('event-row').first()).toBeVisible();
  await page.getByTestId('event-row').first().click();
  await expect(page.getByText('Recommended action')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/node.png', fullPage: true });
});

test('an unknown node in the URL gives a not-found page', async ({ page }) => {
  const response = await page.goto('/nodes/no-such-node-anywhere');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('node-not-found')).toBeVisible();
});

test('quarantine in one tab shows in a second tab without reload; release, both tabs agree, and the audit log has both', async ({
  browser,
}) => {
  // Two tabs of one operator's browser.
  const context = await browser.newContext({ storageState: storageStateOf(E2E_OPERATOR.username) });
  const first = await context.newPage();
  const second = await context.newPage();
  const name = await aHealthyNode(first);
  await Promise.all([first.goto(`/nodes/${name}`), second.goto(`/nodes/${name}`)]);
  // Live once each tab's stream is open (on a loaded machine that can take more than a few seconds).
  for (const tab of [first, second])
    await expect(tab.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  await expect(first.getByTestId('node-action')).toHaveText('Quarantine');

  await first.getByTestId('node-action').click();
  const submit = first.getByTestId('action-submit');
  await first.getByTestId('action-reason').fill('fan failure seen by the datacenter team');
  await expect(submit).toBeDisabled(); // the node name is not confirmed yet
  await first.getByTestId('action-confirm-name').fill(name);
  await submit.click();
  await expect(first.getByTestId('action-result')).toContainText('requested');

  // Both tabs follow the pipeline live; the second sees it at about the same moment as the first.
  const seen = (tab: Page) =>
    expect(tab.getByTestId('node-state'))
      .toHaveAttribute('data-state', QUARANTINED, { timeout: 15_000 })
      .then(() => Date.now());
  const [firstAt, secondAt] = await Promise.all([seen(first), seen(second)]);
  expect(Math.abs(secondAt - firstAt)).toBeLessThan(1_000);
  await expect(second.getByTestId('node-session')).toContainText('fan failure seen by the datacenter team');
  await expect(second.getByTestId('node-action')).toHaveText('Release');
  // The cluster half: fault-quarantine cordoned the node in the (twin) cluster, naming the operator
  // as NVSentinel names a forced quarantine's creator (<agent>-<creator_id>).
  const clusterState = second.getByTestId('cluster-state');
  await expect(clusterState).toHaveAttribute('data-cluster', 'cordoned', { timeout: 15_000 });
  await expect(clusterState).toContainText(`by sentinel-console-${E2E_OPERATOR.username}`);
  await expect(second.getByTestId('cluster-tracked')).toContainText('ManualQuarantine');
  // The Why chain names the event that opened the session and what ends it.
  const why = second.getByTestId('why-panel');
  await expect(why.locator('[data-link-id="cause"]')).toContainText(
    `Quarantined by ${E2E_OPERATOR.username} by hand: “fan failure seen by the datacenter team”`,
  );
  await expect(why.locator('[data-link-id="cordon"]')).toContainText(
    `Cordoned by sentinel-console-${E2E_OPERATOR.username}`,
  );
  await expect(why.locator('[data-kind="waiting"]')).toContainText(
    'Held by a quarantine by hand: only a release by hand ends it',
  );
  await second.screenshot({ path: 'test-results/screenshots/node-quarantined.png', fullPage: true });

  await second.getByTestId('node-action').click();
  await second.getByTestId('action-reason').fill('fan replaced');
  await second.getByTestId('action-confirm-name').fill(name);
  await second.getByTestId('action-submit').click();
  await expect(second.getByTestId('action-result')).toContainText('released');
  for (const tab of [first, second]) {
    await expect(tab.getByTestId('node-state')).toHaveAttribute('data-state', 'released', { timeout: 10_000 });
    await expect(tab.getByTestId('node-action')).toHaveText('Quarantine');
    // Release is an uncordon: the node is schedulable in the cluster again.
    await expect(tab.getByTestId('cluster-state')).toHaveAttribute('data-cluster', 'schedulable', { timeout: 10_000 });
    await expect(tab.locator('[data-testid="why-link"][data-link-id="trap:released-by-hand"]')).toContainText(
      'Released by hand: NVSentinel ended its session (Cancelled)',
    );
  }

  // The audit trail records both, with who, why and the state before.
  await first.goto(`/audit?target=${name}`);
  // The page checks the log's hash chain: nothing was changed or removed behind its back.
  await expect(first.getByTestId('audit-chain')).toHaveAttribute('data-state', 'intact', { timeout: 30_000 });
  const entries = first.getByTestId('audit-entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toHaveAttribute('data-action', 'node.release');
  await expect(entries.nth(1)).toHaveAttribute('data-action', 'node.quarantine');
  for (const index of [0, 1]) {
    await expect(entries.nth(index)).toHaveAttribute('data-outcome', 'ok');
    await expect(entries.nth(index)).toHaveAttribute('data-actor', E2E_OPERATOR.username);
  }
  await expect(entries.nth(1)).toContainText('fan failure seen by the datacenter team');
  await expect(entries.nth(0)).toContainText('fan replaced');
  await first.screenshot({ path: 'test-results/screenshots/audit.png', fullPage: true });
  await context.close();
});

test('a cordon by hand (kubectl cordon) shows as "cordoned outside NVSentinel" in the list and on the node page', async ({
  page,
}) => {
  // The twin cluster npm start runs beside the simulator, through the kubeconfig it writes.
  const config = new KubeConfig();
  config.loadFromFile(path.join(e2eDataDir, 'twin-kubeconfig'));
  const core = config.makeApiClient(CoreV1Api);
  // fault-quarantine paused, so a fault of the chosen node cannot adopt the hand-made cordon meanwhile.
  const control = (action: 'pause' | 'resume') =>
    fetch(`${simulatorControlURL}/consumers/fault-quarantine/${action}`, { method: 'POST' });
  expect((await control('pause')).status).toBe(200);
  const name = await aHealthyNode(page);
  // What `kubectl cordon` and `kubectl uncordon` send.
  const cordon = (unschedulable: boolean | null) =>
    core.patchNode(
      { name, body: { spec: { unschedulable } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  // The node's page is open when the cordon is made: it follows without a reload.
  await page.goto(`/nodes/${name}`);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  await expect(page.getByTestId('cluster-state')).toHaveAttribute('data-cluster', 'schedulable');
  await cordon(true);
  try {
    await expect(page.getByTestId('cluster-state')).toHaveAttribute('data-cluster', 'cordoned', { timeout: 10_000 });
    await expect(page.locator('[data-testid="why-link"][data-link-id="trap:cordoned-outside"]')).toBeVisible();
    await page.goto(`/nodes?disagree=1&q=${name}`);
    const row = page.locator(`[data-testid="node-row"][data-node="${name}"]`);
    await expect(row.getByTestId('node-disagreement')).toHaveText('cordoned outside NVSentinel', { timeout: 20_000 });
    await expect(row.getByTestId('node-cordoned')).toHaveAttribute('data-cordoned', 'true');
    await page.goto(`/nodes/${name}`);
    await expect(page.getByTestId('cluster-state')).toHaveAttribute('data-cluster', 'cordoned');
    await expect(page.locator('[data-testid="why-link"][data-link-id="trap:cordoned-outside"]')).toContainText(
      'Cordoned outside NVSentinel',
    );
  } finally {
    await cordon(null);
    await control('resume');
  }
});

test('a node NVSentinel quarantined by its rules: the Why panel names the event, its XID and GPU, and what releases it', async ({
  page,
  request,
}) => {
  // A node the simulated fault-quarantine cordoned for a fault on one GPU (not a quarantine by hand).
  let found: { name: string; cause: string } | undefined;
  await expect
    .poll(
      async () => {
        const names: string[] = [];
        for (const state of ['quarantined', 'draining', 'remediating', 'remediated']) {
          const list = await (await request.get(`/api/nodes?state=${state}`)).json();
          names.push(...(list.nodes as { name: string }[]).map((node) => node.name));
        }
        for (const name of names) {
          const detail = await (await request.get(`/api/nodes/${encodeURIComponent(name)}`)).json();
          const cause = (detail.why.links as { id: string; title: string }[]).find((link) => link.id === 'cause');
          if (cause && / on GPU \d+ /.test(cause.title)) found = { name, cause: cause.title };
        }
        return found !== undefined;
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBe(true);
  const { name, cause } = found!;
  await page.goto(`/nodes/${name}`);
  const why = page.getByTestId('why-panel');
  await expect(why.locator('[data-link-id="cause"]')).toContainText(cause);
  await expect(why.locator('[data-link-id="cause"]')).toContainText('Recommended action');
  await page.screenshot({ path: 'test-results/screenshots/node-why.png', fullPage: true });
});

test('take a node out of NVSentinel from its page: ?optedOut=1 lists it with its end; put back now; the audit log has both', async ({
  browser,
}) => {
  const context = await browser.newContext({ storageState: storageStateOf(E2E_OPERATOR.username) });
  const page = await context.newPage();
  const name = await aHealthyNode(page);
  await page.goto(`/nodes/${name}`);
  const optOut = page.getByTestId('opt-out-state');
  await expect(optOut).toHaveAttribute('data-opt-out', 'managed', { timeout: 20_000 });

  await page.getByTestId('opt-out-open').click();
  const dialog = page.getByTestId('opt-out-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('opt-out-duration-2h').check({ force: true });
  await page.getByTestId('opt-out-reason').fill('driver upgrade in rack 12');
  // At a phone's width, in the dark theme, the dialog fits and its button is reachable.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => document.documentElement.classList.add('dark'));
  const box = await dialog.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 390, `dialog at ${JSON.stringify(box)}`).toBe(true);
  await page.getByTestId('opt-out-submit').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('opt-out-submit')).toBeInViewport();
  await dialog.screenshot({ path: 'test-results/screenshots/opt-out-dialog-phone-dark.png' });
  await page.evaluate(() => document.documentElement.classList.remove('dark'));
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByTestId('opt-out-submit').click();
  await expect(page.getByTestId('opt-out-result')).toContainText(`${name} is out of NVSentinel's hands until`);
  // The panel says until when, by whom and why (the console's annotations, read back through the watch).
  await expect(optOut).toHaveAttribute('data-opt-out', 'console', { timeout: 10_000 });
  await expect(optOut).toContainText(`by ${E2E_OPERATOR.username}`);
  await expect(optOut).toContainText('driver upgrade in rack 12');
  await page.screenshot({ path: 'test-results/screenshots/node-opted-out.png', fullPage: true });

  // The list of every node opted out, with its end (about two hours from now).
  await page.goto('/nodes?optedOut=1');
  await expect(page.getByTestId('filter-opted-out')).toBeChecked();
  const mark = page.locator(`[data-testid="node-row"][data-node="${name}"]`).getByTestId('node-opted-out');
  await expect(mark).toContainText('Opted out until', { timeout: 20_000 });
  const endsIn = Date.parse((await mark.getAttribute('data-until'))!) - Date.now();
  expect(endsIn).toBeGreaterThan(115 * 60_000);
  expect(endsIn).toBeLessThanOrEqual(120 * 60_000);
  await page.screenshot({ path: 'test-results/screenshots/nodes-opted-out.png', fullPage: true });

  await page.goto(`/nodes/${name}`);
  await page.getByTestId('opt-in-open').click();
  await page.getByTestId('opt-out-reason').fill('upgrade done');
  await page.getByTestId('opt-out-submit').click();
  await expect(page.getByTestId('opt-out-result')).toContainText(`${name} is back in NVSentinel's hands`);
  await expect(optOut).toHaveAttribute('data-opt-out', 'managed', { timeout: 10_000 });

  await page.goto(`/nodes?optedOut=1&q=${name}`);
  await expect(page.getByTestId('nodes-shown')).toContainText(/^0 of /, { timeout: 20_000 });
  await expect(page.locator(`[data-testid="node-row"][data-node="${name}"]`)).toHaveCount(0);

  // Both changes are in the audit log, by the operator, with their reasons.
  await page.goto(`/audit?target=${name}`);
  await expect(page.getByTestId('audit-chain')).toHaveAttribute('data-state', 'intact', { timeout: 30_000 });
  const entries = page.getByTestId('audit-entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0)).toHaveAttribute('data-action', 'node.opt-in');
  await expect(entries.nth(1)).toHaveAttribute('data-action', 'node.opt-out');
  for (const index of [0, 1]) {
    await expect(entries.nth(index)).toHaveAttribute('data-outcome', 'ok');
    await expect(entries.nth(index)).toHaveAttribute('data-actor', E2E_OPERATOR.username);
  }
  await expect(entries.nth(1)).toContainText('driver upgrade in rack 12');
  await expect(entries.nth(0)).toContainText('upgrade done');
  await context.close();
});
