// CONSOLE_PROJECTION_PAGE_SIZE: nodes per page of the kept projection's build; a bad value is an
// error naming the variable and what it takes, not a silent default.
import { describe, expect, it } from 'vitest';

import { nextPageSize, pageSizeFromEnv } from '@/lib/projection/kept-projection';

describe('the build page size from the environment', () => {
  it('takes a whole number of nodes from 10 to 10000, and none when unset (pages that grow)', () => {
    expect(pageSizeFromEnv({})).toBeUndefined();
    expect(pageSizeFromEnv({ CONSOLE_PROJECTION_PAGE_SIZE: '' })).toBeUndefined();
    expect(pageSizeFromEnv({ CONSOLE_PROJECTION_PAGE_SIZE: '10' })).toBe(10);
    expect(pageSizeFromEnv({ CONSOLE_PROJECTION_PAGE_SIZE: '10000' })).toBe(10_000);
  });

  it.each(['9', '10001', '2.5', 'many', '-50'])('refuses %s, naming the variable', (raw) => {
    expect(() => pageSizeFromEnv({ CONSOLE_PROJECTION_PAGE_SIZE: raw })).toThrow(
      `CONSOLE_PROJECTION_PAGE_SIZE must be a whole number of nodes from 10 to 10000 (got "${raw}")`,
    );
  });
});

describe('pages that grow where nodes have few events (the size unset)', () => {
  it('holds about 100,000 events a page, from 500 to 10,000 nodes', () => {
    // 100,000 nodes with 10 events each: 500 nodes held 5,000 events, so pages of 10,000 (the most).
    expect(nextPageSize(500, 5_000)).toBe(10_000);
    // 100 events a node: 1,000 nodes a page.
    expect(nextPageSize(500, 50_000)).toBe(1_000);
    // Long histories (1,000 events a node) stay at 500, never fewer.
    expect(nextPageSize(500, 500_000)).toBe(500);
    // Nodes without events (or a page whose counts are empty) take the most.
    expect(nextPageSize(500, 0)).toBe(10_000);
  });
});
