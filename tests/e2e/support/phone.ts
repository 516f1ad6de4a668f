// A phone's screen for the browser tests (issue 19: the layout works at 390 px wide), and the check
// that a page fits it.
import { expect, type Page } from '@playwright/test';

export const PHONE = { width: 390, height: 844 };

/** The page is no wider than the phone: nothing needs a sideways scroll (else: what sticks out). */
export async function expectNoSidewaysScroll(page: Page) {
  const { width, outside } = await page.evaluate((phoneWidth) => {
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.getAttribute('data-testid') ? `[${element.getAttribute('data-testid')}]` : ''}.${String(element.className).slice(0, 60)}`;
    // The outermost elements past the edge, not each of their children, nor what a box scrolls inside it.
    const scrolled = (element: Element) => {
      for (let box = element.parentElement; box; box = box.parentElement)
        if (getComputedStyle(box).overflowX !== 'visible') return true;
      return false;
    };
    const past = [...document.body.querySelectorAll('*')].filter(
      (element) => element.getBoundingClientRect().right > phoneWidth + 0.5 && !scrolled(element),
    );
    const outermost = past.filter((element) => !past.includes(element.parentElement!));
    return { width: document.documentElement.scrollWidth, outside: outermost.slice(0, 5).map(describe) };
  }, PHONE.width);
  expect(width, `wider than the phone: ${outside.join(' | ')}`).toBeLessThanOrEqual(PHONE.width);
}
