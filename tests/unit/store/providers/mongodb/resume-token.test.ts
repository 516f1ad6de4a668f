// Positions on MongoDB are resume tokens; their time is decoded from the token itself.
import { describe, expect, it } from 'vitest';

import {
  clusterTimeOfToken,
  compareTokens,
  isTokenData,
  tokenTime,
} from '@/lib/store/providers/mongodb/feed/resume-token';

// Tokens and their decoded cluster times from mongodb-js/mongodb-resumetoken-decoder's tests
// (a high-water-mark token of MongoDB 5.0, and an event token of MongoDB 6.0).
const HIGH_WATER_MARK = '82612F653E000000022B0229296E04';
const INSERT_EVENT =
  '826275077A000000012B042C0100296E5A1004BFFDB617400E486099007C0E0048B305463C6F7065726174696F6E54797065003C696E736572740046646F63756D656E744B65790046645F696400646275077A2F3159F971E405C6000004';

describe('MongoDB resume token positions', () => {
  it("decodes the cluster time at the start of a token's _data", () => {
    expect(clusterTimeOfToken(HIGH_WATER_MARK)).toEqual({ seconds: 1_630_496_062, increment: 2 });
    expect(clusterTimeOfToken(INSERT_EVENT)).toEqual({ seconds: 1_651_836_794, increment: 1 });
    expect(tokenTime(INSERT_EVENT)).toEqual(new Date('2022-05-06T11:33:14Z'));
    expect(clusterTimeOfToken(INSERT_EVENT.toLowerCase())).toEqual({ seconds: 1_651_836_794, increment: 1 });
  });

  it('refuses what is not a token: a PostgreSQL position, odd hex, another KeyString type', () => {
    for (const value of [
      '999999999/999999999',
      '82612F653E00000002B',
      '3C612F653E00000002',
      'zz',
      '',
      null,
      { _data: HIGH_WATER_MARK },
    ]) {
      expect(isTokenData(value)).toBe(false);
      expect(clusterTimeOfToken(value)).toBeNull();
    }
  });

  it('orders positions by cluster time, then by the rest of the token', () => {
    const sameSecondLater = '826275077A000000022B042C0100296E5A1004';
    const sameEventLaterOp = `${INSERT_EVENT.slice(0, -2)}05`;
    expect(compareTokens(HIGH_WATER_MARK, INSERT_EVENT)).toBeLessThan(0);
    expect(compareTokens(INSERT_EVENT, sameSecondLater)).toBeLessThan(0);
    expect(compareTokens(sameEventLaterOp, INSERT_EVENT)).toBeGreaterThan(0);
    expect(compareTokens(INSERT_EVENT, INSERT_EVENT.toLowerCase())).toBe(0);
  });
});
