import path from 'node:path';

import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect, test, type Page } from '@playwright/test';

import { e2eDataDir, simulatorControlURL } from '../../playwright.config';

import { E2E_OPERATOR, storageStateOf } from './support/accounts';
import { isSimulatedNode, muteNode, unmuteAll } from './support/simulated-cluster';

const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

// Tests that act on a node by hand mute its simulated monitors first (muteNode).
test.afterEach(unmuteAll);

async function aHealthyNode(page: Page, skip: ReadonlySet<string> = new Set()): Promise<string> {
  await page.goto('/nodes?state=healthy');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  const names = await page
    .getByTestId('node-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-node')));
  return names.find((name): name is string => isSimulatedNode(name) && !skip.has(name))!;
}

test('browse nodes, filter by state in the URL, open a node and see its timeline and events', async ({ page }) => {
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  const total = Number((await page.getByTestId('count-healthy').textContent())?.replace(/\D/g, ''));
  expect(total).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/screenshots/nodes.png', fullPage: true });

  await page.getByTestId('count-healthy').click();
  // router.replace changes the URL once the filtered page is rendered on the server: seconds under load.
  await expect(page).toHaveURL(/state=healthy/, { timeout: 30_000 });
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
  test.setTimeout(180_000); // up to three nodes tried, below
  // Two tabs of one operator's browser.
  const context = await browser.newContext({ storageState: storageStateOf(E2E_OPERATOR.username) });
  const first = await context.newPage();
  const second = await context.newPage();
  // Only this test's audit rows: the node may carry earlier tests' (or a retry's).
  const startedAt = new Date().toISOString();
  // The simulated cluster faults nodes at random: the picked node's monitors are muted so none of its
  // faults (or recoveries) races the operator. One written just before the mute may still quarantine
  // it: then its page offers Release, or the request answers "already quarantined", and the test takes
  // another healthy node.
  const tried = new Set<string>();
  let name = '';
  for (let attempt = 1; ; attempt += 1) {
    name = await aHealthyNode(first, tried);
    tried.add(name);
    await muteNode(name);
    await Promise.all([first.goto(`/nodes/${name}`), second.goto(`/nodes/${name}`)]);
    // Live once each tab's stream is open (on a loaded machine that can take more than a few seconds).
    for (const tab of [first, second])
      await expect(tab.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
    if ((await first.getByTestId('node-action').textContent())?.trim() !== 'Quarantine' && attempt < 3) continue;
    await expect(first.getByTestId('node-action')).toHaveText('Quarantine');

    await first.getByTestId('node-action').click();
    const submit = first.getByTestId('action-submit');
    await first.getByTestId('action-reason').fill('fan failure seen by the datacenter team');
    await expect(submit).toBeDisabled(); // the node name is not confirmed yet
    await first.getByTestId('action-confirm-name').fill(name);
    await submit.click();
    const result = first.getByTestId('action-result');
    await expect(result).toContainText(/requested|already quarantined/);
    if (attempt < 3 && /already quarantined/.test((await result.textContent()) ?? '')) continue;
    await expect(result).toContainText('requested');
    break;
  }

  // Both tabs follow the pipeline live; the second sees it at about the same moment as the first,
  // without a reload. Each tab is polled by its own expect (Playwright waits 100, 250, 500, then 1,000 ms
  // between checks), so on a loaded machine the two polls drift apart by up to a second or two even
  // when both tabs changed at once. The bound is 3 s; the node page polls nothing, so only the live
  // stream can have changed the second tab.
  const seen = (tab: Page) =>
    expect(tab.getByTestId('node-state'))
      .toHaveAttribute('data-state', QUARANTINED, { timeout: 15_000 })
      .then(() => Date.now());
  const [firstAt, secondAt] = await Promise.all([seen(first), seen(second)]);
  expect(Math.abs(secondAt - firstAt)).toBeLessThan(3_000);
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
  // The simulated cluster may fault one of its GPUs meanwhile (a second "waiting" link): the hand's is named.
  await expect(why.locator('[data-kind="waiting"][data-link-id="waiting:ManualQuarantine:node"]')).toContainText(
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
  await first.goto(`/audit?target=${name}&from=${encodeURIComponent(startedAt)}`);
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
  // The first healthy node may carry audit rows of earlier tests (a quarantine and its release): this test
  // reads only what it did, from when it began.
  const startedAt = new Date().toISOString();
  const name = await aHealthyNode(page);
  await muteNode(name);
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
  await page.goto(`/audit?target=${name}&from=${encodeURIComponent(startedAt)}`);
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

test('the node page header names the XID and GPU of a node the simulator quarantined; its GPU row filters the events to that GPU and "Fatal only" narrows them', async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  // fault-quarantine is paused while the test looks, so the session it found is not released under
  // it (a recovery of the GPU would end it); drain and remediation go on.
  const control = (action: 'pause' | 'resume') =>
    fetch(`${simulatorControlURL}/consumers/fault-quarantine/${action}`, { method: 'POST' });
  /**
   * A node quarantined by the simulated NVSentinel for a fault with an XID on one GPU (not by hand),
   * whose opening event is among the events the page shows by default (the last hour).
   */
  const aNodeQuarantinedForAGpu = async () => {
    let found: { name: string; xid: string; gpu: string; recordId: string } | undefined;
    await expect
      .poll(
        async () => {
          const names: string[] = [];
          for (const state of ['quarantined', 'draining', 'drain-failed', 'remediating', 'remediated']) {
            const list = await (await request.get(`/api/nodes?state=${state}`)).json();
            names.push(...(list.nodes as { name: string }[]).map((node) => node.name));
          }
          for (const name of names) {
            const detail = await (await request.get(`/api/nodes/${encodeURIComponent(name)}`)).json();
            const cause = (detail.why.links as { id: string; title: string }[]).find((link) => link.id === 'cause');
            const headline = detail.headline?.cause;
            const gpu = (headline?.entities as { entityType: string; entityValue: string }[] | undefined)?.find(
              (entity) => entity.entityType === 'GPU',
            );
            const recordId: string | undefined = detail.view?.session?.recordId;
            if (
              cause?.title.includes(' on GPU ') &&
              headline?.kind === 'fault' &&
              headline.xids.length > 0 &&
              gpu &&
              (detail.events as { recordId: string }[]).some((event) => event.recordId === recordId)
            ) {
              found = { name, xid: headline.xids[0], gpu: gpu.entityValue, recordId: recordId! };
              return true;
            }
          }
          return false;
        },
        { timeout: 120_000, intervals: [2_000] },
      )
      .toBe(true);
    return found!;
  };
  let paused = false;
  try {
    let found: Awaited<ReturnType<typeof aNodeQuarantinedForAGpu>> | undefined;
    for (let attempt = 0; attempt < 5 && !found; attempt += 1) {
      const candidate = await aNodeQuarantinedForAGpu();
      expect((await control('pause')).status).toBe(200);
      paused = true;
      // Still the same session once fault-quarantine is paused? Else look again.
      const again = await (await request.get(`/api/nodes/${encodeURIComponent(candidate.name)}`)).json();
      if (again.view?.session?.recordId === candidate.recordId) found = candidate;
      else {
        await control('resume');
        paused = false;
      }
    }
    expect(found, 'a node quarantined for a GPU fault that stays quarantined').toBeDefined();
    const { name, xid, gpu, recordId } = found!;

    // The header names the cause: the XID and the GPU, then the pipeline's step and what comes next.
    await page.goto(`/nodes/${name}`);
    const cause = page.getByTestId('node-session');
    await expect(cause).toHaveAttribute('data-kind', 'fault');
    await expect(cause.getByTestId('node-cause-xid').filter({ hasText: new RegExp(`^XID ${xid}$`) })).toHaveCount(1);
    await expect(cause.getByTestId('node-cause-entity').filter({ hasText: new RegExp(`^GPU ${gpu}$`) })).toHaveCount(1);
    await expect(cause).toContainText('recommended action');
    await expect(page.getByTestId('node-step')).toHaveAttribute('data-state', QUARANTINED);
    await expect(page.getByTestId('node-next')).toHaveText(/^Next: /);
    await page.screenshot({ path: 'test-results/screenshots/node-headline.png', fullPage: true });

    // The GPU grid has that GPU; its row filters the event table to it, in the URL.
    const gpuRow = page.locator(`[data-testid="gpu-row"][data-entity="GPU:${gpu}"]`);
    await expect(gpuRow).toBeVisible();
    await gpuRow.getByRole('button', { name: `GPU ${gpu}`, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]entity=GPU%3A${gpu}(&|$)`));
    await expect(gpuRow).toHaveAttribute('data-selected', 'true');
    await expect(page.getByTestId('events-filter-entity')).toHaveAttribute('data-entity', `GPU:${gpu}`);
    const entitiesShown = await page.getByTestId('event-entity').allTextContents();
    expect(entitiesShown.length).toBeGreaterThan(0);
    for (const entities of entitiesShown) expect(entities.split(', ')).toContain(`GPU ${gpu}`);

    // "Fatal only" narrows them to that GPU's fatal events, in the URL too.
    await page.getByTestId('events-fatal-only').check();
    await expect(page).toHaveURL(new RegExp(`[?&]entity=GPU%3A${gpu}&fatal=1(&|$)`));
    // The fatal event that opened the session is one of them.
    await expect(page.locator(`[data-testid="event-row"][data-record-id="${recordId}"]`)).toBeVisible();
    const severities = await page
      .getByTestId('event-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-severity')));
    expect(new Set(severities)).toEqual(new Set(['fatal']));
    for (const entities of await page.getByTestId('event-entity').allTextContents())
      expect(entities.split(', ')).toContain(`GPU ${gpu}`);
    await expect(page.getByTestId('node-events-count')).toHaveText(/^Events \(\d[\d,]* of \d[\d,]*\+?\)$/);

    // A link opens the page filtered as it was.
    await page.goto(`/nodes/${name}?entity=GPU:${gpu}&fatal=1`);
    await expect(page.getByTestId('events-fatal-only')).toBeChecked();
    await expect(page.locator(`[data-testid="gpu-row"][data-entity="GPU:${gpu}"]`)).toHaveAttribute(
      'data-selected',
      'true',
    );

    // At a phone's width, in both themes, the header and the grid stay within the page (the grid scrolls).
    await page.setViewportSize({ width: 390, height: 844 });
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
      for (const testId of ['node-header', 'gpu-panel', 'node-events-panel']) {
        const box = await page.getByTestId(testId).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390, `${testId} at ${JSON.stringify(box)}`).toBe(true);
      }
      await page.screenshot({ path: `test-results/screenshots/node-gpus-phone-${theme}.png`, fullPage: true });
    }
  } finally {
    if (paused) await control('resume');
  }
});
