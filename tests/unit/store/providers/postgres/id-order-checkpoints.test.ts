// Id order's members that need no database (lib/store/providers/postgres/feed/id-order.ts): the
// checkpoint a caller keeps and opens a feed at again, the token it stores, and what changelog
// retention compares. A Stryker run over the file (2026-12-07) found these untested: a checkpoint
// with a bad "top" accepted, a token's gaps always written, the slowest consumer picked wrong.
import { describe, expect, it } from 'vitest';

import { ValidationError } from '@/lib/store';
import { idOrder, type IdOrderState } from '@/lib/store/providers/postgres/feed/id-order';

const state = (top: number, gaps: [number, number][] = []): IdOrderState => ({
  top: BigInt(top),
  gaps: gaps.map(([from, to]) => ({ from: BigInt(from), to: BigInt(to) })),
});

describe("id order's checkpoints", () => {
  it('reads back the state its own token was written from', () => {
    const kept = state(120, [
      [101, 101],
      [110, 115],
    ]);
    const token = idOrder.toToken(kept, '2026-12-07T10:00:00.000001Z');
    expect(token).toEqual({ timestamp: '2026-12-07T10:00:00.000001Z', eventID: 100, top: '120', gaps: '101,110-115' });
    expect(idOrder.ownTokenState(token)).toEqual(kept);
  });

  it('writes no gaps when there are none, and its eventID is then the top', () => {
    const token = idOrder.toToken(state(42), '2026-12-07T10:00:00Z');
    expect(token).toEqual({ timestamp: '2026-12-07T10:00:00Z', eventID: 42, top: '42' });
    expect(Object.hasOwn(token, 'gaps')).toBe(false);
  });

  it('refuses a checkpoint without a whole-number top, naming the checkpoint', () => {
    for (const top of [undefined, '', 'x1', '1x', '-1', '1.5', '12345678901234567890', ' 1'])
      expect(() => idOrder.ownTokenState({ timestamp: 'x', eventID: 1, top } as never), String(top)).toThrow(
        ValidationError,
      );
    expect(() => idOrder.ownTokenState({ eventID: 1 } as never)).toThrow(/id order: no "top"/);
    expect(idOrder.ownTokenState({ top: '1234567890123456789' } as never)).toEqual({
      top: 1234567890123456789n,
      gaps: [],
    });
    expect(idOrder.ownTokenState({ top: '7' } as never)).toEqual(state(7));
  });

  it('refuses gaps that are not a list of ranges below the top, naming checkpoint.gaps', () => {
    expect(() => idOrder.ownTokenState({ top: '10', gaps: '12' } as never)).toThrow(/checkpoint\.gaps/);
    expect(() => idOrder.ownTokenState({ top: '10', gaps: 'a-b' } as never)).toThrow(/checkpoint\.gaps/);
  });
});

describe("id order's retention", () => {
  it('removes up to the slowest consumer: the lowest floor, whatever the order of the states', () => {
    const states = [state(500), state(90, [[40, 45]]), state(300, [[200, 210]]), state(120)];
    expect(idOrder.slowest(states)).toBe('39');
    expect(idOrder.slowest([...states].reverse())).toBe('39');
    expect(idOrder.slowest([state(7), state(3), state(5)])).toBe('3');
    expect(idOrder.slowest([])).toBeUndefined();
  });

  it('compares positions as numbers, not as text', () => {
    expect(idOrder.compare('9', '10')).toBe(-1);
    expect(idOrder.compare('10', '9')).toBe(1);
    expect(idOrder.compare('10', '10')).toBe(0);
    const sorted = ['100', '9', '10', '99'].sort(idOrder.compare);
    expect(sorted).toEqual(['9', '10', '99', '100']);
  });
});
