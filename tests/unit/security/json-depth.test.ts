// Nesting is counted over the text before parsing: brackets inside strings do not count.
import { describe, expect, it } from 'vitest';

import { nestsDeeperThan } from '@/lib/security/json-depth';

describe('JSON nesting depth before parsing', () => {
  it('counts arrays and objects inside one another, and stops at the limit', () => {
    expect(nestsDeeperThan('{"reason": "fan"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a": [{"b": 1}]}', 2)).toBe(true);
    expect(nestsDeeperThan('{"a": [{"b": 1}]}', 3)).toBe(false);
    expect(nestsDeeperThan(`${'['.repeat(20_000)}${']'.repeat(20_000)}`, 32)).toBe(true);
    expect(nestsDeeperThan('[[],[],[],[]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan('{"reason": "[[[[[[{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"reason": "say \\"[[[[\\" twice"}', 1)).toBe(false);
    expect(nestsDeeperThan('["\\\\", [[]]]', 2)).toBe(true);
  });
});
