// Issue 19: every page of the console meets WCAG 2.1 A and AA (colour contrast, names, labels,
// landmarks) in the light and the dark theme, as axe-core judges it once the page shows its data;
// the Overview and Nodes pages at a phone's width too, with the menu closed and open. A failure
// lists each violation: rule, impact, the elements (CSS selectors), the page and the theme.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';

import { E2E_ADMIN, E2E_VIEWER, storageStateOf } from './support/accounts';

const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const PHONE = { width: 390, height: 844 };
const QUARANTINED = /^(quarantined|draining|drain-failed|remediating|remediated|remediation-failed)$/;

/** A page opened in a theme: the choice is in localStorage before the page's first script runs. */
async function openInTheme(
  browser: Browser,
  theme: Theme,
  options: { storageState?: string | null; viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const context = await browser.newContext({
    // null is signed out; the default is the project's account (the admin).
    storageState:
      options.storageState === null ? undefined : (options.storageState ?? storageStateOf(E2E_ADMIN.username)),
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  await context.addInitScript((chosen) => localStorage.setItem('theme', chosen), theme);
  return context.newPage();
}

async function expectTheme(page: Page, theme: Theme) {
  if (theme === 'dark') await expect(page.locator('html')).toHaveClass(/(^|\s)dark(\s|$)/);
  else await expect(page.locator('html')).not.toHaveClass(/(^|\s)dark(\s|$)/);
}

/** axe's WCAG A/AA violations on the page as it is now, one readable line per element. */
async function violationsOn(page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  return violations.flatMap((violation) =>
    violation.nodes.map((node) => {
      // The first line of axe's summary says what is wrong with this element (a contrast ratio, a missing name).
      const why = node.failureSummary?.split('\n').slice(1, 2).join(' ').trim() ?? '';
      return `${where}: ${violation.id} [${violation.impact}] at ${node.target.join(' ')}: ${why}`;
    }),
  );
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function expectNone(violations: string[]) {
  expect(violations, `${violations.length} accessibility violations:\n${violations.join('\n')}\n`).toEqual([]);
}

interface Screen {
  name: string;
  path: string | ((page: Page) => Promise<string>);
  /** Waits until the page shows its heading and its data. */
  ready: (page: Page) => Promise<void>;
  /** Extra states scanned after the page itself (a dialog opened, a row expanded), each named. */
  states?: { name: string; open: (page: Page) => Promise<void> }[];
  /** The signed-in state to open it with (null: signed out); the admin's when not given. */
  storageState?: string | null;
}

const heading = (page: Page, name: string | RegExp) =>
  expect(page.getByRole('heading', { level: 1, name })).toBeVisible({ timeout: 30_000 });
const live = (page: Page) =>
  expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });

/** The worst node of the list (a quarantined one when there is one), so its page shows the session's panels. */
async function worstNode(page: Page): Promise<string> {
  await page.goto('/nodes');
  await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
  const rows = await page
    .getByTestId('node-row')
    .evaluateAll((all) => all.map((row) => ({ node: row.dataset.node!, state: row.dataset.state ?? '' })));
  return `/nodes/${(rows.find((row) => QUARANTINED.test(row.state)) ?? rows[0]).node}`;
}

const SCREENS: Screen[] = [
  {
    name: 'Overview',
    path: '/',
    ready: async (page) => {
      await heading(page, 'Overview');
      await expect(page.getByTestId('datastore-status')).toHaveText('Connected');
      await live(page);
    },
  },
  {
    name: 'Nodes',
    path: '/nodes',
    ready: async (page) => {
      await heading(page, 'Nodes');
      await expect(page.getByTestId('node-row').first()).toBeVisible({ timeout: 30_000 });
      await live(page);
    },
    states: [
      {
        name: 'a node ticked (bulk action bar)',
        open: async (page) => {
          await page.getByTestId('node-row').first().getByRole('checkbox').check();
          await expect(page.getByRole('button', { name: /Quarantine/ }).first()).toBeVisible();
        },
      },
    ],
  },
  {
    name: 'Node (the worst, quarantined when one is)',
    path: worstNode,
    ready: async (page) => {
      await expect(page.getByTestId('node-name')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('node-timeline').locator('svg').first()).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('event-row').first()).toBeVisible({ timeout: 30_000 });
      await live(page);
    },
    states: [
      {
        name: 'an event opened',
        open: async (page) => {
          await page.getByTestId('event-row').first().click();
          await expect(page.getByText('Recommended action').first()).toBeVisible();
        },
      },
      {
        name: 'the action dialog open',
        open: async (page) => {
          await page.keyboard.press('Escape');
          await page.getByTestId('node-action').click();
          await expect(page.getByTestId('node-action-dialog')).toBeVisible();
        },
      },
    ],
  },
  {
    name: 'Unknown node',
    path: '/nodes/no-such-node-anywhere',
    ready: (page) => heading(page, 'Node not found'),
  },
  {
    name: 'Events',
    path: '/events?range=1h',
    ready: async (page) => {
      await heading(page, 'Events');
      await expect(page.getByTestId('event-search-row').first()).toBeVisible({ timeout: 30_000 });
    },
    states: [
      {
        name: 'an event opened',
        open: async (page) => {
          await page.getByTestId('event-search-row').first().getByTestId('event-entity').click();
          await expect(page.getByTestId('event-details')).toBeVisible();
        },
      },
      {
        name: 'by node',
        open: async (page) => {
          await page.getByTestId('event-view').getByRole('button', { name: 'By node' }).click();
          await expect(page.getByTestId('event-node-group-count').first()).toBeVisible({ timeout: 30_000 });
        },
      },
    ],
  },
  {
    name: 'Pipeline',
    path: '/pipeline',
    ready: async (page) => {
      await heading(page, 'Pipeline');
      await expect(page.getByTestId('consumer-fault-quarantine')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId('breaker-state')).toBeVisible({ timeout: 30_000 });
      await live(page);
    },
  },
  {
    name: 'Throughput',
    path: '/throughput',
    ready: async (page) => {
      await heading(page, 'Throughput');
      await expect(page.getByTestId('throughput-chart').locator('path.recharts-rectangle').first()).toBeVisible({
        timeout: 30_000,
      });
    },
  },
  {
    name: 'Reliability',
    path: '/reliability',
    ready: async (page) => {
      await heading(page, 'Reliability');
      await expect(page.getByTestId('stage-panel')).toHaveAttribute('aria-busy', 'false', { timeout: 30_000 });
    },
  },
  {
    name: 'Views',
    path: '/views',
    ready: async (page) => {
      await heading(page, 'Views');
      await expect(page.getByRole('heading', { name: /^Your views \(\d+ of \d+\)$/ })).toBeVisible();
    },
  },
  {
    name: 'Providers',
    path: '/providers',
    ready: async (page) => {
      await heading(page, 'Providers');
      await expect(page.getByTestId('datastore-primary').getByTestId('operation-row').first()).toBeVisible({
        timeout: 30_000,
      });
    },
  },
  {
    name: 'Audit',
    path: '/audit',
    ready: async (page) => {
      await heading(page, 'Audit log');
      await expect(page.getByTestId('audit-entry').first()).toBeVisible({ timeout: 30_000 });
    },
  },
  {
    name: 'Users',
    path: '/admin/users',
    ready: async (page) => {
      await heading(page, 'Users');
      await expect(page.getByTestId('user-row').first()).toBeVisible({ timeout: 30_000 });
    },
  },
  {
    name: 'Alerts',
    path: '/admin/alerts',
    ready: async (page) => {
      await heading(page, 'Alerts');
      await expect(page.getByRole('button').first()).toBeVisible();
    },
  },
  {
    name: 'Not allowed (a viewer on Users)',
    path: '/admin/users',
    storageState: storageStateOf(E2E_VIEWER.username),
    ready: (page) => heading(page, 'Not allowed'),
  },
  {
    name: 'Sign-in (signed out)',
    path: '/sign-in',
    storageState: null,
    ready: async (page) => {
      await heading(page, 'Sentinel Console');
      await expect(page.getByRole('button', { name: /sign in/i }).first()).toBeVisible();
    },
  },
];

for (const screen of SCREENS) {
  test(`${screen.name}: no WCAG 2.1 AA violation in the light or the dark theme`, async ({ browser }) => {
    test.setTimeout(180_000);
    const violations: string[] = [];
    for (const theme of THEMES) {
      const page = await openInTheme(browser, theme, { storageState: screen.storageState });
      const path = typeof screen.path === 'string' ? screen.path : await screen.path(page);
      await page.goto(path);
      await screen.ready(page);
      await expectTheme(page, theme);
      violations.push(...(await violationsOn(page, `${screen.name} ${path} (${theme})`)));
      await page.screenshot({
        path: `test-results/screenshots/a11y-${slug(screen.name)}-${theme}.png`,
        fullPage: true,
      });
      for (const state of screen.states ?? []) {
        await state.open(page);
        violations.push(...(await violationsOn(page, `${screen.name} ${path}, ${state.name} (${theme})`)));
      }
      await page.context().close();
    }
    expectNone(violations);
  });
}

for (const screen of SCREENS.filter((each) => each.name === 'Overview' || each.name === 'Nodes')) {
  test(`${screen.name} at a phone’s width, menu closed and open: no WCAG 2.1 AA violation in either theme`, async ({
    browser,
  }) => {
    test.setTimeout(120_000);
    const violations: string[] = [];
    for (const theme of THEMES) {
      const page = await openInTheme(browser, theme, { viewport: PHONE });
      await page.goto(screen.path as string);
      await screen.ready(page);
      await expectTheme(page, theme);
      violations.push(...(await violationsOn(page, `${screen.name} ${screen.path} at 390 px (${theme})`)));
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link').first()).toBeInViewport();
      violations.push(...(await violationsOn(page, `${screen.name} ${screen.path} at 390 px, menu open (${theme})`)));
      await page.screenshot({ path: `test-results/screenshots/a11y-${slug(screen.name)}-phone-menu-${theme}.png` });
      await page.context().close();
    }
    expectNone(violations);
  });
}
