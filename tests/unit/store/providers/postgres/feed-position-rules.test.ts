// The PostgreSQL feed position's edges, written out: the exact text of positions, states and the
// SQL that reads them, the limits of what parses, and every boundary of passing and advancing.
import { describe, expect, it } from 'vitest';

import {
  ABOVE_LIMIT,
  aboveArrays,
  advance,
  COMMIT_ORDER,
  comparePositions,
  encodePosition,
  encodeState,
  hasPassed,
  parsePosition,
  parseState,
  passedAbove,
  passHorizon,
  START,
  START_STATE,
  stateFromToken,
  tokenFor,
  type FeedState,
} from '@/lib/store/providers/postgres/feed/feed-position';

const at = (txid: number | bigint, id: number | bigint) => ({ txid: BigInt(txid), id: BigInt(id) });
const problem = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return [(error as { code?: string }).code, (error as Error).message];
  }
  return null;
};

describe('positions as text', () => {
  it('starts at 0/0 with nothing above, and sorts rows from before the migration as txid 0', () => {
    expect(START).toEqual(at(0, 0));
    expect(START_STATE).toEqual({ base: at(0, 0), above: [] });
    expect(ABOVE_LIMIT).toBe(64);
    expect(COMMIT_ORDER).toBe("COALESCE(txid, '0'::xid8)");
  });

  it('reads "<txid>/<id>" with up to 20 and 19 digits, and nothing else', () => {
    expect(encodePosition(at(12, 34))).toBe('12/34');
    expect(parsePosition('12/34')).toEqual(at(12, 34));
    expect(parsePosition('18446744073709551615/9223372036854775807')).toEqual(
      at(18446744073709551615n, 9223372036854775807n),
    );
    for (const bad of [
      '184467440737095516150/1',
      '1/12345678901234567890',
      ' 1/2',
      '1/2 ',
      '1/',
      '/2',
      'a/2',
      '1/2/3',
      '',
      '-1/2',
    ]) {
      expect(
        problem(() => parsePosition(bad)),
        bad,
      ).toEqual([
        'invalid',
        `position: is not a PostgreSQL feed position (expected "<txid>/<id>", got ${JSON.stringify(bad)})`,
      ]);
    }
    expect(problem(() => parsePosition(12))).toEqual([
      'invalid',
      'position: is not a PostgreSQL feed position (expected "<txid>/<id>", got 12)',
    ]);
    expect(problem(() => parsePosition(undefined))?.[1]).toBe(
      'position: is not a PostgreSQL feed position (expected "<txid>/<id>", got undefined)',
    );
    expect(problem(() => parsePosition('x'.repeat(100)))?.[1]).toBe(
      `position: is not a PostgreSQL feed position (expected "<txid>/<id>", got ${JSON.stringify('x'.repeat(100)).slice(0, 60)})`,
    );
  });

  it('compares by transaction, then row id', () => {
    expect(comparePositions(at(1, 9), at(2, 1))).toBe(-1);
    expect(comparePositions(at(2, 1), at(1, 9))).toBe(1);
    expect(comparePositions(at(2, 1), at(2, 2))).toBe(-1);
    expect(comparePositions(at(2, 2), at(2, 1))).toBe(1);
    expect(comparePositions(at(2, 2), at(2, 2))).toBe(0);
  });

  it('writes a state as its base, then "+" and the noted transactions', () => {
    expect(encodeState({ base: at(5, 6), above: [] })).toBe('5/6');
    expect(encodeState({ base: at(5, 6), above: [at(7, 8), at(9, 10)] })).toBe('5/6+7/8,9/10');
  });

  it('reads a state: an empty list after "+" is none; exactly 64 noted transactions are allowed', () => {
    expect(parseState('5/6+')).toEqual({ base: at(5, 6), above: [] });
    const full = Array.from({ length: ABOVE_LIMIT }, (_, i) => `${6 + i}/1`).join(',');
    expect(parseState(`5/6+${full}`).above).toHaveLength(64);
    expect(problem(() => parseState(`5/6+${full},99/1`))).toEqual([
      'invalid',
      'position: lists 65 transactions, over the limit of 64',
    ]);
    // A noted transaction must come after the base's, strictly.
    expect(problem(() => parseState('5/6+5/9'))).toEqual([
      'invalid',
      'position: must list transactions after the base in ascending order (got "5/9")',
    ]);
    expect(problem(() => parseState('5/6+7/1,7/2'))?.[1]).toBe(
      'position: must list transactions after the base in ascending order (got "7/1,7/2")',
    );
    expect(problem(() => parseState('5/6+7/1,x'))).toEqual([
      'invalid',
      'position: is not a list of "<txid>/<id>" (got "7/1,x")',
    ]);
    expect(problem(() => parseState(`5/6+${'9'.repeat(80)}`))?.[1]).toBe(
      `position: is not a list of "<txid>/<id>" (got ${JSON.stringify('9'.repeat(80)).slice(0, 60)})`,
    );
    expect(problem(() => parseState(42))?.[1]).toBe(
      'position: is not a PostgreSQL feed position (expected "<txid>/<id>", got "")',
    );
    // A long list out of order is quoted cut to 60 characters too.
    const descending = Array.from({ length: 20 }, (_, i) => `${100 - i}/1`).join(',');
    expect(problem(() => parseState(`5/6+${descending}`))?.[1]).toBe(
      `position: must list transactions after the base in ascending order (got ${JSON.stringify(descending).slice(0, 60)})`,
    );
  });

  it('gives passedAbove its two arrays, and the SQL that matches a row against them', () => {
    expect(aboveArrays({ base: at(1, 1), above: [at(7, 8), at(9, 10)] })).toEqual([
      ['7', '9'],
      ['8', '10'],
    ]);
    expect(aboveArrays(START_STATE)).toEqual([[], []]);
    expect(passedAbove('$5', '$6'))
      .toBe(`EXISTS (SELECT 1 FROM unnest($5::text[]::xid8[], $6::bigint[]) AS above(txid, id)
          WHERE above.txid = COALESCE(changelog.txid, '0'::xid8) AND changelog.id <= above.id)`);
    expect(passedAbove('$1', '$2', 'c')).toContain("above.txid = COALESCE(c.txid, '0'::xid8) AND c.id <= above.id");
  });
});

describe('passing and advancing', () => {
  const state: FeedState = { base: at(100, 50), above: [at(105, 60)] };

  it('has passed a noted transaction up to its id, no further, and nothing of a transaction not noted', () => {
    expect(hasPassed(state, at(105, 59))).toBe(true);
    expect(hasPassed(state, at(105, 60))).toBe(true);
    expect(hasPassed(state, at(105, 61))).toBe(false);
    expect(hasPassed(state, at(104, 1))).toBe(false);
    expect(hasPassed(state, at(100, 49))).toBe(true);
  });

  it('passes the horizon only when it is past the base; a noted transaction at the horizon goes', () => {
    expect(passHorizon(state, 99n)).toBe(state);
    expect(passHorizon(state, 101n)).toEqual({ base: at(101, 0), above: [at(105, 60)] });
    expect(passHorizon(state, 105n)).toEqual({ base: at(105, 0), above: [] });
  });

  it('a row below the horizon becomes the base and drops noted transactions up to its own', () => {
    const noted: FeedState = { base: at(100, 50), above: [at(105, 60), at(106, 61)] };
    expect(advance(noted, at(105, 70), true)).toEqual({ base: at(105, 70), above: [at(106, 61)] });
    expect(advance(noted, at(104, 70), true)).toEqual({ base: at(104, 70), above: [at(105, 60), at(106, 61)] });
  });

  it("a row above the horizon replaces its transaction's note and keeps the notes in order, leaving the state it came from alone", () => {
    const noted: FeedState = { base: at(100, 50), above: [at(105, 60), at(107, 61)] };
    expect(advance(noted, at(106, 1), false)).toEqual({
      base: at(100, 50),
      above: [at(105, 60), at(106, 1), at(107, 61)],
    });
    expect(advance(noted, at(105, 65), false)).toEqual({ base: at(100, 50), above: [at(105, 65), at(107, 61)] });
    expect(noted.above).toEqual([at(105, 60), at(107, 61)]);
  });
});

describe('the stored token', () => {
  it("keeps NVSentinel's eventID as a number and our txid as text; reads a token without a list", () => {
    const token = tokenFor({ base: at(100, 50), above: [] }, '2026-12-02T10:00:00.000000Z');
    expect(token).toEqual({ timestamp: '2026-12-02T10:00:00.000000Z', eventID: 50, txid: '100' });
    expect(stateFromToken({ txid: '100', eventID: '50' })).toEqual({ base: at(100, 50), above: [] });
    expect(stateFromToken({ txid: '100', eventID: 50, above: '' })).toEqual({ base: at(100, 50), above: [] });
    expect(problem(() => stateFromToken({ txid: '100', eventID: 50, above: '100/1' }))).toEqual([
      'invalid',
      'resume_token.above: must list transactions after the base in ascending order (got "100/1")',
    ]);
  });
});
