// "Passed everything through a position" (what a reader without a stored position checks against
// what changelog retention removed) is not "passed that row": a reader that passed the row at the
// position but not an older gap, or a transaction noted above its base, may still have rows to
// read there, and retention may have removed them.
import { describe, expect, it } from 'vitest';

import { commitOrder } from '@/lib/store/providers/postgres/feed/commit-order';
import { idOrder } from '@/lib/store/providers/postgres/feed/id-order';

describe('passedThrough', () => {
  it('id order: only the floor below the first gap counts', () => {
    const state = { top: 1000n, gaps: [{ from: 500n, to: 500n }] };
    expect(idOrder.hasPassed(state, '1000')).toBe(true);
    expect(idOrder.passedThrough(state, '1000')).toBe(false);
    expect(idOrder.passedThrough(state, '499')).toBe(true);
    expect(idOrder.passedThrough(state, '500')).toBe(false);
    expect(idOrder.passedThrough({ top: 1000n, gaps: [] }, '1000')).toBe(true);
    expect(idOrder.passedThrough({ top: 1000n, gaps: [] }, '1001')).toBe(false);
  });

  it('commit order: only the base counts, not a transaction noted above it', () => {
    const state = { base: { txid: 100n, id: 50n }, above: [{ txid: 120n, id: 90n }] };
    expect(commitOrder.hasPassed(state, '120/90')).toBe(true);
    expect(commitOrder.passedThrough(state, '120/90')).toBe(false);
    expect(commitOrder.passedThrough(state, '100/50')).toBe(true);
    expect(commitOrder.passedThrough(state, '99/70')).toBe(true);
    expect(commitOrder.passedThrough(state, '100/51')).toBe(false);
  });
});
