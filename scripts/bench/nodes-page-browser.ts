// The Nodes page in Chromium against a running console (issue 6: "fast at 10,000 nodes"):
// bytes per page load, time until rows show and until the stream is live, and the main thread's
// long tasks over 10 s while live updates arrive. Point it at a console serving a big cluster:
//   DATABASE_URL=…/scale npm run sim -- --nodes 10000 --backfill-events 500000 --backfill-days 7
//   DATABASE_URL=…/scale SIMULATOR=on SIMULATOR_NODES=10000 SIMULATOR_RATE=200 CONSOLE_ADMIN_PASSWORD=… npm start
//   CONSOLE_URL=http://127.0.0.1:3000 CONSOLE_USER=admin CONSOLE_PASSWORD=… node --import tsx scripts/bench/nodes-page-browser.ts
import { chromium } from '@playwright/test';

const base = process.env.CONSOLE_URL ?? 'http://127.0.0.1:3000';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Username').fill(process.env.CONSOLE_USER ?? 'admin');
  await page.getByLabel('Password').fill(process.env.CONSOLE_PASSWORD ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  let bytes = 0;
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/nodes'))
      void response
        .body()
        .then((body) => (bytes += body.length))
        .catch(() => {});
  });
  for (let load = 1; load <= 3; load += 1) {
    bytes = 0;
    const started = Date.now();
    await page.goto(`${base}/nodes`);
    await page.getByTestId('node-row').first().waitFor();
    const rowsAt = Date.now() - started;
    await page.locator('[data-testid=connection-status][data-status=live]').waitFor();
    console.log(
      `load ${load}: rows after ${rowsAt} ms, live after ${Date.now() - started} ms, ${Math.round(bytes / 1024)} KB (${await page.getByTestId('nodes-shown').textContent()})`,
    );
  }
  const longTasks = await page.evaluate(
    () =>
      new Promise<{ total: number; count: number }>((resolve) => {
        let total = 0;
        let count = 0;
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            total += entry.duration;
            count += 1;
          }
        });
        observer.observe({ entryTypes: ['longtask'] });
        setTimeout(() => {
          observer.disconnect();
          resolve({ total: Math.round(total), count });
        }, 10_000);
      }),
  );
  console.log(`long tasks while live for 10 s: ${longTasks.count}, ${longTasks.total} ms in all`);
} finally {
  await browser.close();
}
