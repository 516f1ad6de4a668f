// The Nodes list's order (issue 19): a column header sorts by its column (in the URL, so it survives
// a reload), "In state" is written in the server's first paint, and a node whose state changes live
// takes its place in the worst-first order at once, while the row under the pointer stays put.
import { expect, test, type Page } from '@playwright/test';

import { baseURL } from '../../playwright.config';

import { isSimulatedNode, muteNode, unmuteAll } from './support/simulated-cluster';

test.afterEach(unmuteAll);

const WORST_FIRST = [
  'drain-failed',
  'remediation-failed',
  'draining',
  'remediating',
  'quarantined',
  'unhealthy',
  'released',
  'remediated',
  'healthy',
];
const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

/** Names compared with their numbers in numeric order, as the page sorts them. */
const naturalKey = (name: string) => name.replace(/\d+/g, (digits) => digits.padStart(20, '0'));
const byName = (a: string, b: string) => (naturalKey(a) < naturalKey(b) ? -1 : naturalKey(a) > naturalKey(b) ? 1 : 0);

interface Row {
  name: string;
  state: string;
  fatal: number;
  /** Why the row holds its place (data-held: pointer or focus), or null. */
  held: string | null;
}

/**
 * The rows as one snapshot of the page. Not a locator's evaluateAll: that finds the rows first and
 * reads them in a second round trip, so a live re-sort committed in between gave rows in the old order
 * with their new states (the "render whose states are newer than its order" this spec chased; a
 * MutationObserver in the page never saw the list out of order).
 */
async function rowsOf(page: Page): Promise<Row[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="node-row"]')].map((row) => ({
      name: row.getAttribute('data-node')!,
      state: row.getAttribute('data-state')!,
      fatal: Number(row.querySelector('[data-testid="node-fatal"]')!.textContent!.replace(/\D/g, '')),
      held: row.getAttribute('data-held'),
    })),
  );
}

/** Whether the rows are worst first, then by name. */
function isWorstFirst(rows: Row[]): boolean {
  return rows.every((row, index) => {
    if (index === 0) return true;
    const before = rows[index - 1];
    const rank = WORST_FIRST.indexOf(before.state) - WORST_FIRST.indexOf(row.state);
    return rank < 0 || (rank === 0 && byName(before.name, row.name) < 0);
  });
}

test('a column header sorts the list by it, in the URL: both ways, by keyboard too, and after a reload', async ({
  page,
}) => {
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  // Worst first until asked otherwise, and the State header says so.
  await expect(page.getByTestId('sort-state')).toHaveAttribute('aria-sort', 'descending');

  await page.getByRole('button', { name: 'Node', exact: true }).click();
  await expect(page).toHaveURL(/[?&]sort=name&dir=asc(&|$)/, { timeout: 30_000 });
  await expect(page.getByTestId('sort-name')).toHaveAttribute('aria-sort', 'ascending');
  await expect(page.getByTestId('sort-state')).not.toHaveAttribute('aria-sort', /./);
  const names = async () => (await rowsOf(page)).map((row) => row.name);
  // Polled whole: the simulated cluster may list a new node meanwhile, so no list is fixed in advance.
  const sortedByName = async (direction: 1 | -1) => {
    const shown = await names();
    return shown.join('\n') === [...shown].sort((a, b) => direction * byName(a, b)).join('\n');
  };
  await expect.poll(() => sortedByName(1)).toBe(true);
  expect((await names()).length).toBeGreaterThan(1);

  await page.getByRole('button', { name: 'Node', exact: true }).click();
  await expect(page).toHaveURL(/[?&]sort=name&dir=desc(&|$)/, { timeout: 30_000 });
  await expect(page.getByTestId('sort-name')).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(() => sortedByName(-1)).toBe(true);

  // From the keyboard: the header is a button, Enter sorts by it (the most fatal events first).
  await page.getByRole('button', { name: 'Fatal events', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/[?&]sort=fatal&dir=desc(&|$)/, { timeout: 30_000 });
  await expect(page.getByTestId('sort-fatal')).toHaveAttribute('aria-sort', 'descending');
  const fatalsDescending = async () => {
    const fatals = (await rowsOf(page)).map((row) => row.fatal);
    return fatals.every((fatal, index) => index === 0 || fatals[index - 1] >= fatal);
  };
  await expect.poll(fatalsDescending).toBe(true);

  // A reload (or the link shared) shows the same order.
  await page.reload();
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('sort-fatal')).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(fatalsDescending).toBe(true);
  // The API refuses a column it cannot sort by, naming it.
  const refused = await page.request.get('/api/nodes?sort=cordoned');
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error).toContain('sort must be one of name, state, inState');

  for (const [width, height, suffix] of [
    [1280, 800, ''],
    [390, 844, '-phone'],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
      await page.screenshot({ path: `test-results/screenshots/nodes-sorted${suffix}-${theme}.png` });
    }
  }
});

test('"In state" is written in the page the server sends, not left blank until the browser runs', async ({ page }) => {
  const response = await page.request.get('/nodes');
  expect(response.ok()).toBe(true);
  const html = await response.text();
  const cells = [...html.matchAll(/data-testid="node-in-state"[^>]*><time[^>]*>([^<]*)<\/time>/g)].map(
    (match) => match[1],
  );
  expect(cells.length).toBeGreaterThan(0);
  for (const text of cells) expect(text).toMatch(/^(just now|\d+ (s|min|h|d) ago)$/);
});

// Two causes made this fail in about half of its runs, both found: the page scrolled after a re-sorted
// row Chrome had chosen as its scroll anchor, so the held row slipped from under the pointer (the
// table's body is no scroll anchor now, [overflow-anchor:none] in nodes/client.tsx); and this spec
// read the rows with a locator's evaluateAll, which finds them and reads them in two round trips, so
// a live re-sort between the two gave the old order with the new states (rowsOf reads them in one
// now; a MutationObserver in the page saw no render out of order in the 3 runs that failed so). 10 of 10 passed
// after both (2026-12-07). Rows that hold their place say why (data-held), so a failure names them.
test('a node quarantined live moves up to its place at once, while the row under the pointer stays put', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/nodes');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
  await expect(page.locator('[data-testid="node-row"][data-state="healthy"]').nth(1)).toBeVisible();
  const row = (name: string) => page.locator(`[data-testid="node-row"][data-node="${name}"]`);
  // The hovered row: the first healthy one; the node to quarantine: the last healthy one, below it,
  // so its move up crosses the hovered row (which would push it down a row, were it not held). Both
  // are muted; a fault written just before the mute may have taken the node already ("already
  // quarantined"): then another is taken.
  let hovered = '';
  let moving = '';
  let pointer = { x: 0, y: 0 };
  let heldAt = -1;
  for (let attempt = 1; !moving; attempt += 1) {
    await page.mouse.move(0, 0);
    await expect.poll(async () => isWorstFirst(await rowsOf(page))).toBe(true);
    const healthy = (await rowsOf(page))
      .filter((entry) => entry.state === 'healthy' && isSimulatedNode(entry.name))
      .map((entry) => entry.name);
    [hovered, moving] = [healthy[0], healthy[healthy.length - 1]];
    await muteNode(hovered);
    await muteNode(moving);
    await row(hovered).getByTestId('node-in-state').hover();
    const box = (await row(hovered).getByTestId('node-in-state').boundingBox())!;
    pointer = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    heldAt = (await rowsOf(page)).findIndex((entry) => entry.name === hovered);
    const quarantine = await page.request.post(`/api/nodes/${encodeURIComponent(moving)}/quarantine`, {
      data: { reason: 'nodes-order spec: live re-sort' },
      headers: { origin: baseURL },
    });
    if (quarantine.status() === 409 && attempt < 3) {
      moving = '';
      continue;
    }
    expect(quarantine.status(), await quarantine.text()).toBe(200);
  }

  // Each look: the row under the pointer is still the hovered one, at its place; the others are worst
  // first; and once the moving node shows a quarantined state it is already above every healthy row
  // (sorted in the same render that changed its state, not by a later read). What is seen wrong is
  // kept, so no later look can hide it.
  const wrong = new Set<string>();
  const look = async () => {
    const rows = await rowsOf(page);
    const under = await page.evaluate(
      ({ x, y }) => document.elementFromPoint(x, y)?.closest('tr')?.getAttribute('data-node') ?? null,
      pointer,
    );
    if (under !== hovered) wrong.add(`the row under the pointer was ${under}, not ${hovered}`);
    for (const entry of rows.filter((entry) => entry.held && entry.name !== hovered))
      wrong.add(`${entry.name} (${entry.state}) held its place (${entry.held}), not ${hovered}`);
    const at = rows.findIndex((entry) => entry.name === hovered);
    if (at !== heldAt) wrong.add(`${hovered} moved from row ${heldAt} to ${at}`);
    if (!isWorstFirst(rows.filter((entry) => entry.name !== hovered)))
      wrong.add(
        `the other rows were not worst first: ${rows.map((entry) => `${entry.name}:${entry.state}${entry.held ? `:${entry.held}` : ''}`).join(' ')}`,
      );
    const moved = rows.find((entry) => entry.name === moving);
    const firstHealthy = rows.findIndex((entry) => entry.state === 'healthy' && entry.name !== hovered);
    if (moved && QUARANTINED.test(moved.state) && firstHealthy >= 0 && rows.indexOf(moved) > firstHealthy)
      wrong.add(`${moving} showed ${moved.state} among the healthy rows`);
    return moved?.state ?? null;
  };
  await expect.poll(look, { timeout: 30_000 }).toMatch(QUARANTINED);
  // A few more looks while the pipeline takes it on (drained, remediated), and the rest of the list moves.
  for (let more = 0; more < 5; more += 1) await look();
  expect([...wrong]).toEqual([]);

  // The pointer leaves: the held row takes its place in the order.
  await page.mouse.move(0, 0);
  await expect.poll(async () => isWorstFirst(await rowsOf(page))).toBe(true);

  const release = await page.request.post(`/api/nodes/${encodeURIComponent(moving)}/release`, {
    data: { reason: 'nodes-order spec: done' },
    headers: { origin: baseURL },
  });
  // Cleanup: the simulated pipeline may have ended the session meanwhile (409 "not quarantined").
  expect([200, 409], await release.text()).toContain(release.status());
});
