// Id order's state (lib/store/providers/postgres/feed/id-order.ts): every id up to `top` passed
// except the gaps, ids not visible when the feed went past them, which may still be written.
import { describe, expect, it } from 'vitest';

import {
  encodeGaps,
  floorOf,
  hasPassedId,
  ID_START,
  idOrder,
  parseGaps,
  passId,
  settle,
  type IdOrderState,
} from '@/lib/store/providers/postgres/feed/id-order';

const state = (top: number, gaps: [number, number][] = []): IdOrderState => ({
  top: BigInt(top),
  gaps: gaps.map(([from, to]) => ({ from: BigInt(from), to: BigInt(to) })),
});

describe('id order state', () => {
  it('passing a row past the top leaves the ids skipped as a gap', () => {
    expect(passId(state(10), 11n)).toEqual(state(11));
    expect(passId(state(10), 14n)).toEqual(state(14, [[11, 13]]));
    expect(passId(state(14, [[11, 13]]), 20n)).toEqual(
      state(20, [
        [11, 13],
        [15, 19],
      ]),
    );
  });

  it('a late commit inside a gap is passed and splits the gap around it', () => {
    expect(passId(state(20, [[11, 13]]), 12n)).toEqual(
      state(20, [
        [11, 11],
        [13, 13],
      ]),
    );
    expect(passId(state(20, [[11, 13]]), 11n)).toEqual(state(20, [[12, 13]]));
    expect(passId(state(20, [[11, 11]]), 11n)).toEqual(state(20));
  });

  it('knows what it has passed: up to the top, except the gaps', () => {
    const s = state(20, [[11, 13]]);
    expect(hasPassedId(s, 10n)).toBe(true);
    expect(hasPassedId(s, 12n)).toBe(false);
    expect(hasPassedId(s, 14n)).toBe(true);
    expect(hasPassedId(s, 21n)).toBe(false);
    expect(idOrder.hasPassed(s, '14')).toBe(true);
    expect(() => idOrder.hasPassed(s, '1/14')).toThrow(/not a PostgreSQL feed position/);
  });

  it('settling drops gaps no transaction can fill any more, and only those, and reads past the top', () => {
    expect(
      settle(
        state(20, [
          [11, 13],
          [15, 19],
        ]),
        20n,
        13n,
      ),
    ).toEqual(state(20, [[15, 19]]));
    expect(
      settle(
        state(20, [
          [11, 13],
          [15, 19],
        ]),
        20n,
        16n,
      ),
    ).toEqual(state(20, [[17, 19]]));
    expect(settle(state(20, [[11, 13]]), 25n, 0n)).toEqual(
      state(25, [
        [11, 13],
        [21, 25],
      ]),
    );
    expect(settle(state(20, [[11, 13]]), 25n, 25n)).toEqual(state(25));
  });

  it("its floor is what NVSentinel's eventID can say: everything up to it passed", () => {
    expect(floorOf(state(20))).toBe(20n);
    expect(floorOf(state(20, [[11, 13]]))).toBe(10n);
    expect(floorOf(ID_START)).toBe(0n);
  });

  it('stores its gaps compactly and refuses a hand-edited list that is out of order or past the top', () => {
    const s = state(40, [
      [11, 13],
      [15, 15],
      [30, 39],
    ]);
    expect(encodeGaps(s.gaps)).toBe('11-13,15,30-39');
    expect(parseGaps('11-13,15,30-39', 40n)).toEqual(s.gaps);
    expect(() => parseGaps('15,11-13', 40n)).toThrow(/ascending, disjoint/);
    expect(() => parseGaps('11-13,13-14', 40n)).toThrow(/ascending, disjoint/);
    expect(() => parseGaps('41', 40n)).toThrow(/up to the top 40/);
    expect(() => parseGaps('a-b', 40n)).toThrow(/not a list/);
    const token = idOrder.toToken(s, '2026-12-06T10:00:00.123456Z');
    expect(token).toEqual({ timestamp: '2026-12-06T10:00:00.123456Z', eventID: 10, top: '40', gaps: '11-13,15,30-39' });
  });
});
