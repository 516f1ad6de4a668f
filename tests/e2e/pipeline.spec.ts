import path from 'node:path';

import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect, test } from '@playwright/test';

import { e2eDataDir, simulatorControlURL } from '../../playwright.config';

const control = async (path: string, body?: unknown) => {
  const response = await fetch(`${simulatorControlURL}${path}`, {
    method: 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
};

test('the pipeline page shows every simulated consumer with its judged status', async ({ page }) => {
  await page.goto('/pipeline');
  // The simulator's consumers run and keep up: each is judged ok, and its badge and reason say so.
  for (const consumer of ['fault-quarantine', 'node-drainer', 'fault-remediation']) {
    const row = page.getByTestId(`consumer-${consumer}`);
    await expect(row).toHaveAttribute('data-status', 'ok', { timeout: 30_000 });
    await expect(row.locator('span[data-status]')).toHaveText('OK');
    await expect(row).toContainText(/caught up|backlog not growing/);
  }
  await expect(page.getByTestId('stalled-panel')).toBeVisible();
  await expect(page.getByTestId('dead-letters-panel')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/pipeline.png', fullPage: true });
});

test('pausing a simulated consumer turns it stalled on the page without reload; resuming brings it back', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/pipeline');
  const row = page.getByTestId('consumer-node-drainer');
  await expect(row).toHaveAttribute('data-status', 'ok', { timeout: 30_000 });
  await control('/consumers/node-drainer/pause');
  try {
    // Paused, its feed is closed and its position stops while work waits: stalled once the position
    // has not moved for 10 s, and stopped only a minute after its last heartbeat, long after this.
    await expect(row).toHaveAttribute('data-status', 'stalled', { timeout: 45_000 });
    await expect(row.locator('span[data-status]')).toHaveText('Stalled');
    await expect(row).toContainText(/position unchanged for \d+ s with \d+ changes waiting/);
    await page.screenshot({ path: 'test-results/screenshots/pipeline-stalled.png', fullPage: true });
  } finally {
    await control('/consumers/node-drainer/resume');
  }
  await expect(row).toHaveAttribute('data-status', 'ok', { timeout: 45_000 });
});

test('a poison event appears in dead letters with its error, and a retry after the fix resolves it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await control('/settings', { failPoison: true });
  const { nodeName } = await control('/poison');
  await page.goto('/pipeline');
  const letter = page
    .getByTestId('dead-letter')
    .filter({ hasText: 'simulated poison' })
    .filter({ hasText: nodeName })
    .first();
  // The page rereads dead letters every 10 s.
  await expect(letter).toBeVisible({ timeout: 40_000 });
  await expect(letter).toHaveAttribute('data-status', 'dead');
  await page.screenshot({ path: 'test-results/screenshots/pipeline-dead-letter.png', fullPage: true });
  await control('/settings', { failPoison: false });
  await letter.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByTestId('dead-letter').filter({ hasText: 'simulated poison' })).toHaveCount(0, {
    timeout: 40_000,
  });
});

test("the circuit breaker from NVSentinel's ConfigMap: closed, tripped (named, with what it means), closed again", async ({
  page,
}) => {
  // The twin cluster npm start runs beside the simulator, through the kubeconfig it writes.
  const config = new KubeConfig();
  config.loadFromFile(path.join(e2eDataDir, 'twin-kubeconfig'));
  const core = config.makeApiClient(CoreV1Api);
  const setStatus = (status: 'CLOSED' | 'TRIPPED') =>
    core.patchNamespacedConfigMap(
      { name: 'circuit-breaker', namespace: 'nvsentinel', body: { data: { status } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  await page.goto('/pipeline');
  const state = page.getByTestId('breaker-state');
  await expect(state).toHaveAttribute('data-state', 'CLOSED', { timeout: 30_000 });
  await expect(page.getByTestId('breaker-utilisation')).toContainText(/\d+ of \d+ GPU nodes cordoned by NVSentinel/);
  // What fault-quarantine writes when it trips.
  await setStatus('TRIPPED');
  try {
    await expect(state).toHaveAttribute('data-state', 'TRIPPED', { timeout: 20_000 });
    await expect(page.getByTestId('breaker-tripped')).toContainText('fault-quarantine processes nothing while tripped');
    await page.getByTestId('breaker-panel').screenshot({ path: 'test-results/screenshots/breaker-tripped.png' });
  } finally {
    await setStatus('CLOSED');
  }
  await expect(state).toHaveAttribute('data-state', 'CLOSED', { timeout: 20_000 });
});

test('an admin resets a breaker tripped by many nodes failing at once: the backlog first, Resume with a reason, CLOSED, and the audit row', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const config = new KubeConfig();
  config.loadFromFile(path.join(e2eDataDir, 'twin-kubeconfig'));
  const core = config.makeApiClient(CoreV1Api);
  const breakerData = async () =>
    (await core.readNamespacedConfigMap({ name: 'circuit-breaker', namespace: 'nvsentinel' })).data;
  const reason = 'e2e: many GPU nodes failed at once, the faults are real';
  await page.goto('/pipeline');
  const state = page.getByTestId('breaker-state');
  await expect(state).toHaveAttribute('data-state', 'CLOSED', { timeout: 30_000 });
  // Enough healthy nodes fail at once to reach the limit by themselves (the demo's 75 % of 48 = 36),
  // a few more when there are, so some wait behind the tripped breaker.
  const status = (await (await fetch(`${simulatorControlURL}/status`)).json()) as {
    healthyNodes: number;
    breaker: { limit: number };
  };
  await control('/faults', { nodes: Math.min(status.healthyNodes, status.breaker.limit + 4) });
  try {
    await expect(state).toHaveAttribute('data-state', 'TRIPPED', { timeout: 60_000 });
    await page.getByTestId('breaker-reset').click();
    const dialog = page.getByTestId('breaker-reset-dialog');
    await expect(dialog).toBeVisible();
    // The backlog first: how many events wait behind the breaker (or that it is not known).
    await expect(page.getByTestId('breaker-reset-backlog')).toContainText(
      /^(\d[\d,]* events? waits? behind the breaker|An unknown number of events wait)/,
    );
    await page.getByTestId('breaker-mode-resume').check();
    await page.getByTestId('breaker-reset-reason').fill(reason);
    await page.getByTestId('breaker-reset-confirm').fill('reset');
    // At a phone's width, in the dark theme, the dialog fits and its button is reachable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => document.documentElement.classList.add('dark'));
    const box = await dialog.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, `dialog at ${JSON.stringify(box)}`).toBe(true);
    await page.getByTestId('breaker-reset-submit').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('breaker-reset-submit')).toBeInViewport();
    await dialog.screenshot({ path: 'test-results/screenshots/breaker-reset-dialog-phone-dark.png' });
    await page.evaluate(() => document.documentElement.classList.remove('dark'));
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('breaker-reset-submit').click();
    // The API server's answer, then the panel CLOSED as the informer sees the ConfigMap.
    await expect(page.getByTestId('breaker-reset-result')).toContainText(
      'Breaker reset: the API server stored ConfigMap circuit-breaker with status CLOSED and cursor RESUME',
      { timeout: 30_000 },
    );
    await expect(state).toHaveAttribute('data-state', 'CLOSED', { timeout: 30_000 });
    await page.getByTestId('breaker-panel').screenshot({ path: 'test-results/screenshots/breaker-reset.png' });
  } finally {
    // Never leave the demo tripped for the specs after this one: the runbook's reset by hand, skipping what waits.
    if ((await breakerData())?.status === 'TRIPPED') {
      await core.patchNamespacedConfigMap(
        { name: 'circuit-breaker', namespace: 'nvsentinel', body: { data: { status: 'CLOSED', cursor: 'CREATE' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await config.makeApiClient(AppsV1Api).patchNamespacedDeployment(
        {
          name: 'fault-quarantine',
          namespace: 'nvsentinel',
          body: {
            spec: {
              template: {
                metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } },
              },
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    }
  }
  // The audit log has the reset: who, why, and the breaker before and after.
  await page.goto('/audit?action=circuit-breaker.reset');
  await expect(page.getByTestId('audit-chain')).toHaveAttribute('data-state', 'intact', { timeout: 30_000 });
  const entry = page.getByTestId('audit-entry').first();
  await expect(entry).toHaveAttribute('data-action', 'circuit-breaker.reset');
  await expect(entry).toHaveAttribute('data-outcome', 'ok');
  await expect(entry).toHaveAttribute('data-actor', 'admin');
  await expect(entry).toContainText(reason);
  await expect(entry).toContainText('CLOSED');
});
