// Where the browser goes after sign-in (?next=): a path of this console, never another site.
import { describe, expect, it } from 'vitest';

import { safeNextPath } from '@/lib/client/auth-client';

describe('safeNextPath', () => {
  it.each([
    '/',
    '/nodes',
    '/nodes/gpu-node-0007?tab=events#history',
    '/audit?actor=admin&outcome=denied',
    '/nodes/a%2F%2Fb',
  ])('keeps the console path %j', (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([null, undefined, ''])('goes home without a path (%j)', (next) => {
    expect(safeNextPath(next)).toBe('/');
  });

  it.each([
    '//evil.com',
    '//evil.com/nodes',
    '/\\evil.com',
    '/\\/evil.com',
    'https://evil.com',
    'http://evil.com/nodes',
    'javascript:alert(1)',
    'evil.com',
    'nodes',
    // Browsers drop tabs and newlines from URLs, which turns these into //evil.com.
    '/\t/evil.com',
    '/\n/evil.com',
    '/\r\n/evil.com',
    '/\t\\evil.com',
    '\t//evil.com',
  ])('sends the open-redirect attempt %j home', (next) => {
    expect(safeNextPath(next)).toBe('/');
    // The property that matters: whatever comes back stays on this origin in a browser.
    expect(new URL(safeNextPath(next), 'https://console.example.com').origin).toBe('https://console.example.com');
  });

  it.each(['/sign-in', '/sign-in?next=/sign-in', '/sign-in?error=oidc&next=%2Fnodes'])(
    'does not loop back to sign-in (%j)',
    (next) => {
      expect(safeNextPath(next)).toBe('/');
    },
  );
});
