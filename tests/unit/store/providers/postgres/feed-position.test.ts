// The PostgreSQL feed's stored state: which changelog rows a consumer has passed, when some
// transactions were delivered ahead of an older one still open.
import { describe, expect, it } from 'vitest';

import { ValidationError } from '@/lib/store';
import {
  ABOVE_LIMIT,
  advance,
  encodeState,
  hasPassed,
  parsePosition,
  parseState,
  passHorizon,
  stateFromToken,
  tokenFor,
  type FeedState,
} from '@/lib/store/providers/postgres/feed/feed-position';

const at = (txid: number, id: number) => ({ txid: BigInt(txid), id: BigInt(id) });

describe('PostgreSQL feed state', () => {
  it('passes rows up to the base, and rows of noted transactions up to their noted id', () => {
    const state: FeedState = { base: at(100, 50), above: [at(105, 60), at(107, 62)] };
    expect(hasPassed(state, at(99, 70))).toBe(true); // older transaction, any id
    expect(hasPassed(state, at(100, 50))).toBe(true);
    expect(hasPassed(state, at(100, 51))).toBe(false);
    expect(hasPassed(state, at(103, 55))).toBe(false); // the transaction still open when 105 was read
    expect(hasPassed(state, at(105, 60))).toBe(true);
    expect(hasPassed(state, at(105, 61))).toBe(false); // 105's rows after the batch limit cut it
    expect(hasPassed(state, at(107, 1))).toBe(true);
    expect(hasPassed(state, at(108, 1))).toBe(false);
  });

  it('notes a row above the horizon under its transaction, and a row below it moves the base over the noted ones it overtakes', () => {
    let state: FeedState = { base: at(100, 50), above: [] };
    state = advance(state, at(107, 62), false);
    state = advance(state, at(105, 60), false);
    state = advance(state, at(105, 61), false);
    expect(encodeState(state)).toBe('100/50+105/61,107/62');
    state = advance(state, at(103, 55), true); // 103 commits; the horizon passes 105 but not 107
    expect(encodeState(state)).toBe('103/55+105/61,107/62');
    state = advance(state, at(105, 63), true); // the rest of 105, now below the horizon
    expect(encodeState(state)).toBe('105/63+107/62');
    state = advance(state, at(110, 70), true);
    expect(state).toEqual({ base: at(110, 70), above: [] });
  });

  it('passes the horizon once a read handed over everything below it: the base moves there and the noted transactions below it go', () => {
    const state: FeedState = { base: at(100, 50), above: [at(105, 61), at(107, 62), at(120, 70)] };
    expect(passHorizon(state, 110n)).toEqual({ base: at(110, 0), above: [at(120, 70)] });
    expect(hasPassed(passHorizon(state, 110n), at(109, 999))).toBe(true);
    expect(hasPassed(passHorizon(state, 110n), at(110, 1))).toBe(false); // the open transaction's rows are still to come
    expect(passHorizon(state, 100n)).toBe(state); // not past the base: unchanged
  });

  it("round-trips through the stored token, which keeps NVSentinel's fields", () => {
    const state: FeedState = { base: at(100, 50), above: [at(105, 61), at(107, 62)] };
    const token = JSON.parse(JSON.stringify(tokenFor(state, '2026-12-02T10:00:00.123456Z')));
    expect(token).toEqual({
      timestamp: '2026-12-02T10:00:00.123456Z',
      eventID: 50,
      txid: '100',
      above: '105/61,107/62',
    });
    expect(stateFromToken(token)).toEqual(state);
    expect(tokenFor({ base: at(100, 50), above: [] }, '1970-01-01T00:00:00.000000Z')).not.toHaveProperty('above');
    expect(parseState('100/50+105/61,107/62')).toEqual(state);
    expect(parseState('100/50')).toEqual({ base: at(100, 50), above: [] });
  });

  it('refuses a malformed position or state, naming what is wrong', () => {
    expect(() => parsePosition('100-50')).toThrow(ValidationError);
    expect(() => parsePosition('100-50')).toThrow(/position.*"<txid>\/<id>"/);
    expect(() => parseState('100/50+99/1')).toThrow(/after the base in ascending order/);
    expect(() => parseState('100/50+107/1,105/1')).toThrow(/ascending order/);
    expect(() => parseState('100/50+abc')).toThrow(/list of "<txid>\/<id>"/);
    const tooMany = Array.from({ length: ABOVE_LIMIT + 1 }, (_, i) => `${101 + i}/1`).join(',');
    expect(() => parseState(`100/50+${tooMany}`)).toThrow(/over the limit of 64/);
    expect(() => stateFromToken({ txid: '100', eventID: 50, above: '1/1' })).toThrow(/resume_token\.above/);
  });
});
