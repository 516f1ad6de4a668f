// @vitest-environment jsdom
// Relative times in the first paint: under ServerNow the server writes "5 min ago" from the page's
// read moment and the browser hydrates that same text without a mismatch, then follows its own
// clock; without it the server leaves the place blank, as before.
import { act } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';

import { RelativeTime } from '@/components/ui/relative-time';
import { ServerNow } from '@/components/ui/use-now';

// A page read three days ago, hydrated now.
const READ_AT = Date.now() - 3 * 86_400_000;

async function hydrated(tree: ReactNode) {
  const container = document.createElement('div');
  container.innerHTML = renderToString(tree);
  document.body.append(container);
  const serverText = container.textContent;
  const recoverable = vi.fn();
  const root = await act(async () => hydrateRoot(container, tree, { onRecoverableError: recoverable }));
  return { serverText, container, recoverable, root };
}

describe('"In state" in the page the server sends', () => {
  it('is written from the read moment and hydrates without a mismatch, then follows the browser clock', async () => {
    const tree = (
      <ServerNow at={READ_AT}>
        <RelativeTime at={READ_AT - 5 * 60_000} />
      </ServerNow>
    );
    const { serverText, container, recoverable, root } = await hydrated(tree);
    expect(serverText).toBe('5 min ago');
    expect(recoverable).not.toHaveBeenCalled();
    // After hydration the browser's own clock takes over.
    expect(container.textContent).toBe('3 d ago');
    act(() => root.unmount());
    container.remove();
  });

  it('is left blank by a server render without the read moment', () => {
    expect(renderToString(<RelativeTime at={READ_AT} />)).toContain('\u00a0');
  });
});
