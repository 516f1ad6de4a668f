// @vitest-environment jsdom
// Times in the viewer's zone or in UTC, as they choose: the cookies the server reads (a bad value is
// ignored, not trusted), the switch that flips every time on the page at once and remembers the
// choice, and a server render in the chosen zone that hydrates without a change.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { TimeZoneSwitch } from '@/components/layout/time-zone-switch';
import { chooseTimes, DisplayZoneProvider } from '@/components/ui/display-zone';
import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import {
  cookieValue,
  displayZoneOf,
  LOCAL_ZONE_COOKIE,
  LOCAL_ZONE_SCRIPT,
  TIMES_COOKIE,
  timesChoiceOf,
} from '@/lib/format/display-zone';

const AT = Date.parse('2026-12-06T13:05:03Z');
const zoneBefore = process.env.TZ;
// The browser's own zone, for Intl (Node reads TZ again when it is set).
beforeAll(() => void (process.env.TZ = 'Europe/Berlin'));
afterAll(() => void (process.env.TZ = zoneBefore));
afterEach(() => {
  cleanup();
  act(() => chooseTimes('local'));
});

describe('the cookies the server reads', () => {
  it('UTC when chosen, else the browser’s zone when it is a real one, else not known', () => {
    expect(displayZoneOf('utc', 'Europe/Berlin')).toBe('UTC');
    expect(displayZoneOf('utc', undefined)).toBe('UTC');
    expect(displayZoneOf('local', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(displayZoneOf(undefined, 'Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(displayZoneOf('local', 'Mars/Base')).toBeNull();
    expect(displayZoneOf('something', undefined)).toBeNull();
    expect(timesChoiceOf('UTC')).toBe('local');
  });

  it('reads one cookie out of document.cookie, undecoded garbage as none', () => {
    const jar = `a=1; ${TIMES_COOKIE}=utc; ${LOCAL_ZONE_COOKIE}=America%2FNew_York; broken=%E0%A4%A`;
    expect(cookieValue(jar, TIMES_COOKIE)).toBe('utc');
    expect(cookieValue(jar, LOCAL_ZONE_COOKIE)).toBe('America/New_York');
    expect(cookieValue(jar, 'broken')).toBeNull();
    expect(cookieValue(jar, 'missing')).toBeNull();
  });

  it('the page’s inline script writes the browser’s zone', () => {
    new Function(LOCAL_ZONE_SCRIPT)();
    expect(cookieValue(document.cookie, LOCAL_ZONE_COOKIE)).toBe('Europe/Berlin');
  });
});

describe('the switch', () => {
  it('shows every time in UTC with its label, remembers it, and back', () => {
    render(
      <>
        <TimeZoneSwitch />
        <LocalTime at={AT} />
        <RelativeTime at={AT} />
      </>,
    );
    const toggle = screen.getByRole('switch', { name: 'Times in UTC' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(screen.getByText('2026-12-06 14:05:03 UTC+01:00')).toBeTruthy();
    expect(document.querySelectorAll('time')[1].getAttribute('title')).toBe('2026-12-06 14:05:03 UTC+01:00');

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(screen.getByText('2026-12-06 13:05:03 UTC')).toBeTruthy();
    expect(document.querySelectorAll('time')[1].getAttribute('title')).toBe('2026-12-06 13:05:03 UTC');
    expect(cookieValue(document.cookie, TIMES_COOKIE)).toBe('utc');

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(screen.getByText('2026-12-06 14:05:03 UTC+01:00')).toBeTruthy();
    expect(cookieValue(document.cookie, TIMES_COOKIE)).toBe('local');
  });
});

describe('a page rendered on the server in the chosen zone', () => {
  async function hydrated(tree: ReactNode) {
    const container = document.createElement('div');
    container.innerHTML = renderToString(tree);
    document.body.append(container);
    const serverText = container.textContent;
    const recoverable = vi.fn();
    await act(async () => void hydrateRoot(container, tree, { onRecoverableError: recoverable }));
    return { serverText, container, recoverable };
  }

  it('hydrates to the same text when the browser agrees with its cookies', async () => {
    act(() => chooseTimes('utc'));
    const page = (
      <DisplayZoneProvider zone="UTC" choice="utc">
        <TimeZoneSwitch />
        <LocalTime at={AT} />
      </DisplayZoneProvider>
    );
    const { serverText, container, recoverable } = await hydrated(page);
    expect(serverText).toContain('2026-12-06 13:05:03 UTC');
    expect(container.textContent).toBe(serverText);
    expect(recoverable).not.toHaveBeenCalled();
    container.remove();
  });

  it('renders the viewer’s zone on the server from the cookie, and keeps it', async () => {
    const page = (
      <DisplayZoneProvider zone="Europe/Berlin" choice="local">
        <LocalTime at={AT} />
      </DisplayZoneProvider>
    );
    const { serverText, container, recoverable } = await hydrated(page);
    expect(serverText).toBe('2026-12-06 14:05:03 UTC+01:00');
    expect(container.textContent).toBe(serverText);
    expect(recoverable).not.toHaveBeenCalled();
    container.remove();
  });

  it('on a browser’s very first page (no zone cookie yet) renders UTC, labelled, then the browser’s zone', async () => {
    const page = (
      <DisplayZoneProvider zone={null} choice="local">
        <LocalTime at={AT} />
      </DisplayZoneProvider>
    );
    const { serverText, container, recoverable } = await hydrated(page);
    expect(serverText).toBe('2026-12-06 13:05:03 UTC');
    expect(container.textContent).toBe('2026-12-06 14:05:03 UTC+01:00');
    expect(recoverable).not.toHaveBeenCalled();
    container.remove();
  });
});
