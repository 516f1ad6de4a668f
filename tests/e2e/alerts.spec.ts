// Webhook alerts against the demo (npm start's simulated cluster), to a receiver this test runs on
// loopback: an admin configures the destination on /admin/alerts (a URL that is not http or https
// is refused, naming the field), a test send arrives, a CONTACT_SUPPORT event written to the
// datastore arrives as an alert, and a consumer paused through the simulator's control arrives as
// a lag alert once its oldest unread change is older than the threshold leaves time for; the
// Pipeline page shows the consumer's time until events are lost, and the destination's delivery
// log shows each alert delivered. The page says the alert engine runs; the cloud metadata address is
// refused (the console allows its loopback receiver through ALERT_WEBHOOK_ALLOWED_HOSTS, set in
// playwright.config.ts); a burst over a destination's rate is logged folded and arrives summed up.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { expect, test, type Page } from '@playwright/test';

import { openDataStore } from '@/lib/store';

import { simulatorControlURL } from '../../playwright.config';

import { e2eDatabaseUrl } from './support/direct-http';

interface Delivery {
  kind: string;
  subject: string;
  title: string;
  test: boolean;
  details: Record<string, unknown>;
}

const received: Delivery[] = [];
let receiver: http.Server;
let receiverUrl: string;

test.beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(text) as Delivery);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/sentinel`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const control = async (path: string) => {
  const response = await fetch(`${simulatorControlURL}${path}`, { method: 'POST' });
  expect(response.status, await response.clone().text()).toBe(200);
};

async function setThreshold(page: Page, text: string) {
  const settings = page.getByTestId('alert-settings');
  await settings.getByRole('textbox').fill(text);
  await settings.getByRole('button', { name: 'Set' }).click();
  await expect(settings.getByTestId('settings-result')).toHaveAttribute('data-ok', 'true');
}

test('a CONTACT_SUPPORT event and a consumer at risk of losing events reach a webhook on loopback', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const name = `e2e receiver ${Date.now()}`;
  await page.goto('/admin/alerts');
  await expect(page.getByRole('heading', { name: 'Alerts' })).toBeVisible();
  // The engine started with the server: the page says it runs, rather than leaving an empty log to read.
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-running', 'true');
  await expect(page.getByTestId('engine-status')).toContainText(
    'Alert engine running on one replica (this one included)',
  );

  // A URL that is not http or https is refused, naming the field.
  const form = page.getByRole('form', { name: 'New webhook destination' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Webhook URL').fill('ftp://127.0.0.1/hook');
  await form.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('destination-result')).toHaveText(
    'url must use http or https (got ftp): the console only posts alerts over HTTP',
  );

  // The cloud metadata service is refused even though this console allows 127.0.0.1 and http: the
  // error names the host and the setting an operator would change.
  await form.getByLabel('Webhook URL').fill('http://169.254.169.254/latest/meta-data/');
  await form.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('destination-result')).toHaveText(
    /^url's host 169\.254\.169\.254 is the cloud metadata service .*ALERT_WEBHOOK_ALLOWED_HOSTS allows it$/,
  );

  await form.getByLabel('Webhook URL').fill(receiverUrl);
  await form.getByLabel('Format').selectOption('json');
  // The two alerts this test waits for (stalled consumers and the breaker left out).
  await form.getByLabel('Consumer stalled').uncheck();
  await form.getByLabel('Circuit breaker tripped').uncheck();
  await form.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('destination-result')).toHaveAttribute('data-ok', 'true');
  const destination = page.getByTestId('destination').filter({ hasText: name });
  await expect(destination).toBeVisible();
  // Shown without the path's tail, which for Slack is the secret.
  await expect(destination).toContainText('/hooks/senti…');

  try {
    await destination.getByRole('button', { name: 'Send test' }).click();
    await expect(destination.getByTestId('destination-action-result')).toContainText('Test alert delivered');
    expect(received.some((delivery) => delivery.test)).toBe(true);

    // A CONTACT_SUPPORT event, written as a monitor would (kept out of the simulated pipeline).
    const nodeName = `e2e-alerts-${Date.now()}`;
    const store = await openDataStore({ provider: 'postgresql', connectionString: await e2eDatabaseUrl() });
    try {
      await store.healthEvents().insertMany([
        {
          nodeName,
          agent: 'gpu-health-monitor',
          componentClass: 'GPU',
          checkName: 'GpuInforomWatch',
          isFatal: true,
          isHealthy: false,
          message: 'InfoROM corrupted on GPU 2',
          recommendedAction: 'CONTACT_SUPPORT',
          processingStrategy: 'STORE_ONLY',
          errorCode: ['92'],
          entitiesImpacted: [{ entityType: 'GPU', entityValue: '2' }],
        },
      ]);
    } finally {
      await store.close();
    }
    await expect
      .poll(() => received.find((delivery) => delivery.kind === 'contact-support' && delivery.subject === nodeName), {
        timeout: 30_000,
      })
      .toMatchObject({
        title: `CONTACT_SUPPORT on ${nodeName}`,
        details: expect.objectContaining({ check: 'GpuInforomWatch', xid: '92', entities: 'GPU:2' }),
      });
    // The delivery log says so (the simulated cluster raises CONTACT_SUPPORT alerts of its own, from
    // its NVSwitch SXID faults: the row is found by the node's name).
    const log = page.getByTestId('destination').filter({ hasText: name }).getByTestId('delivery-row');
    await expect(
      log.filter({ hasText: `CONTACT_SUPPORT on ${nodeName}` }).and(page.locator('[data-outcome="delivered"]')),
    ).toContainText('HTTP 200');

    // node-drainer paused: its oldest unread change ages past a minute, and the lag alert comes.
    await control('/consumers/node-drainer/pause');
    try {
      // A consumer counts as at risk once its oldest unread change is a minute old: the changelog
      // keeps 7 days (CHANGELOG_RETENTION's default), so a minute's lag leaves less than 6d23h59m.
      // Set after the pause: set before, a moment's lag of node-drainer over a minute would turn the
      // condition on and off, and its 5 quiet minutes would hold back the alert waited for here.
      await page.goto('/admin/alerts');
      await setThreshold(page, '6d23h59m');
      await page.goto('/pipeline');
      const row = page.getByTestId('consumer-node-drainer');
      await expect(row).toHaveAttribute('data-status', 'stalled', { timeout: 60_000 });
      await expect(row.getByTestId('events-lost-in')).toHaveText(/^in (6|7) d/);
      await expect
        .poll(
          () => received.find((delivery) => delivery.kind === 'event-loss' && delivery.subject === 'node-drainer'),
          {
            timeout: 150_000,
            intervals: [1_000],
          },
        )
        .toMatchObject({
          title: expect.stringMatching(/^node-drainer will lose events in /),
          details: expect.objectContaining({ consumer: 'node-drainer', window: expect.stringContaining('changelog') }),
        });
      await page.screenshot({ path: 'test-results/screenshots/alerts-pipeline.png', fullPage: true });
    } finally {
      await control('/consumers/node-drainer/resume');
    }

    // The delivery log shows the lag alert delivered too.
    await page.goto('/admin/alerts');
    await expect(
      log.filter({ hasText: 'node-drainer will lose events' }).and(page.locator('[data-outcome="delivered"]')),
    ).toContainText('HTTP 200');
    await page.screenshot({ path: 'test-results/screenshots/alerts-admin.png', fullPage: true });
    // Both themes, and at a phone's width without a sideways scroll.
    for (const [width, suffix] of [
      [1280, ''],
      [390, '-phone'],
    ] as const) {
      await page.setViewportSize({ width, height: 844 });
      for (const theme of ['light', 'dark'] as const) {
        await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
        await expect(page.getByTestId('engine-status')).toHaveAttribute('data-running', 'true');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: `test-results/screenshots/alerts-admin${suffix}-${theme}.png`, fullPage: true });
      }
    }
    await page.evaluate(() => document.documentElement.classList.remove('dark'));
    await page.setViewportSize({ width: 1280, height: 800 });
  } finally {
    await page.goto('/admin/alerts');
    await setThreshold(page, '1h');
    const panel = page.getByTestId('destination').filter({ hasText: name });
    await panel.getByRole('button', { name: 'Delete…' }).click();
    await panel.getByRole('button', { name: `Delete ${name}` }).click();
    await expect(page.getByTestId('destination').filter({ hasText: name })).toHaveCount(0);
  }
});

test("a burst over a destination's rate arrives as one message and one summary; the rest is logged folded", async ({
  page,
}) => {
  // The summary goes once the destination's minute has room again.
  test.setTimeout(240_000);
  // Only this test's destination is left to post to the receiver.
  received.length = 0;
  const name = `e2e burst ${Date.now()}`;
  await page.goto('/admin/alerts');
  const form = page.getByRole('form', { name: 'New webhook destination' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Webhook URL').fill(receiverUrl);
  await form.getByLabel('Format').selectOption('json');
  await form.getByLabel('Consumer at risk of losing events').uncheck();
  await form.getByLabel('Consumer stalled').uncheck();
  await form.getByLabel('Circuit breaker tripped').uncheck();
  await form.getByLabel('At most a minute').fill('0');
  await form.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('destination-result')).toHaveText(
    'maxPerMinute must be a whole number of sends a minute from 1 to 600',
  );
  await form.getByLabel('At most a minute').fill('1');
  await form.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('destination-result')).toHaveAttribute('data-ok', 'true');
  const destination = page.getByTestId('destination').filter({ hasText: name });
  await expect(destination).toContainText('at most 1 a minute');
  try {
    const burst = `e2e-burst-${Date.now()}`;
    const store = await openDataStore({ provider: 'postgresql', connectionString: await e2eDatabaseUrl() });
    try {
      await store.healthEvents().insertMany(
        [1, 2, 3, 4].map((n) => ({
          nodeName: `${burst}-${n}`,
          agent: 'gpu-health-monitor',
          componentClass: 'GPU',
          checkName: 'GpuInforomWatch',
          isFatal: true,
          isHealthy: false,
          message: 'InfoROM corrupted',
          recommendedAction: 'CONTACT_SUPPORT' as const,
          processingStrategy: 'STORE_ONLY' as const,
          errorCode: ['92'],
          entitiesImpacted: [{ entityType: 'GPU', entityValue: String(n) }],
        })),
      );
    } finally {
      await store.close();
    }
    // One goes out; at least the three others of the burst wait folded (the simulator may add more).
    const folded = destination.locator('[data-testid="delivery-row"][data-outcome="folded"]');
    await expect.poll(() => folded.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await expect(folded.first()).toContainText('over 1 send a minute to this destination: carried by the next summary');
    for (const [width, suffix] of [
      [1280, ''],
      [390, '-phone'],
    ] as const) {
      await page.setViewportSize({ width, height: 844 });
      for (const theme of ['light', 'dark'] as const) {
        await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: `test-results/screenshots/alerts-folded${suffix}-${theme}.png`, fullPage: true });
      }
    }
    await page.evaluate(() => document.documentElement.classList.remove('dark'));
    await page.setViewportSize({ width: 1280, height: 800 });

    await expect
      .poll(() => received.find((delivery) => delivery.kind === 'summary'), { timeout: 150_000, intervals: [1_000] })
      .toMatchObject({
        title: expect.stringMatching(/^And \d+ more CONTACT_SUPPORT events in the last /),
        details: expect.objectContaining({ events: expect.stringContaining('/events?action=CONTACT_SUPPORT&from=') }),
      });
    await expect(
      destination.locator('[data-testid="delivery-row"][data-kind="summary"][data-outcome="delivered"]'),
    ).toContainText(/And \d+ more CONTACT_SUPPORT events/);
  } finally {
    await destination.getByRole('button', { name: 'Delete…' }).click();
    await destination.getByRole('button', { name: `Delete ${name}` }).click();
    await expect(page.getByTestId('destination').filter({ hasText: name })).toHaveCount(0);
  }
});
