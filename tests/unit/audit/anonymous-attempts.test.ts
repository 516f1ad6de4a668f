// Attempts by callers not signed in: one compact row each within a budget per address and overall;
// beyond it only counted, and the next recorded row says how many were not (issue 15, item 5).
import { describe, expect, it } from 'vitest';

import { AnonymousAttempts, compactAnonymousEntry, sourceOf } from '@/lib/audit/anonymous-attempts';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';

function budget(perSource: number, overall: number) {
  const clock = { now: 1_000_000 };
  return { clock, attempts: new AnonymousAttempts(perSource, overall, () => clock.now) };
}

describe('AnonymousAttempts', () => {
  it('records up to the limit per address a minute, then counts; the next row after the window carries the count', () => {
    const { clock, attempts } = budget(3, 100);
    const answers = Array.from({ length: 10 }, () => attempts.admit('198.51.100.7'));
    expect(answers.map((answer) => answer.record)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(answers[3]).toEqual({ record: false, retryAfterMs: 60_000 });
    // Another address is not held back by this one.
    expect(attempts.admit('203.0.113.1')).toEqual({ record: true, unrecorded: 0 });
    clock.now += 60_001;
    expect(attempts.admit('198.51.100.7')).toEqual({ record: true, unrecorded: 7 });
    expect(attempts.admit('198.51.100.7')).toEqual({ record: true, unrecorded: 0 });
  });

  it('counts an IPv6 /64 as one source, so rotating addresses within it gains nothing', () => {
    const { attempts } = budget(3, 100);
    const recorded = [
      '2001:db8:1:2::1',
      '2001:db8:1:2::2',
      '2001:db8:1:2:ffff::9',
      '2001:0db8:0001:0002:0:0:0:7',
      '2001:db8:1:2::8',
    ].map((address) => attempts.admit(address).record);
    expect(recorded).toEqual([true, true, true, false, false]);
    expect(attempts.admit('2001:db8:1:3::1').record).toBe(true);
  });

  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('sourceOf(%j) is %j', (address, source) => {
    expect(sourceOf(address)).toBe(source);
  });

  it('holds many addresses together to the overall limit', () => {
    const { attempts } = budget(30, 5);
    const recorded = Array.from({ length: 50 }, (_, index) => attempts.admit(`2001:db8:${index}::1`).record).filter(
      Boolean,
    );
    expect(recorded).toHaveLength(5);
  });
});

describe('compactAnonymousEntry', () => {
  const entry: AuditEntryInput = {
    actor: 'anonymous',
    actorRole: null,
    action: 'node.quarantine',
    target: `node/${'n'.repeat(300)}`,
    reason: 'r'.repeat(2_000),
    stateBefore: { state: 'healthy' },
    stateAfter: { state: 'quarantined' },
    outcome: 'denied',
    detail: 'sign in first',
    requestId: 'id-1',
    clientAddress: '198.51.100.7',
  };

  it('keeps the first 100 characters of reason and target, no states, and says how many attempts went unrecorded', () => {
    const compact = compactAnonymousEntry(entry, 7);
    expect(compact.reason).toBe(`${'r'.repeat(100)}… (2000 characters)`);
    expect(compact.target).toBe(`node/${'n'.repeat(95)}… (305 characters)`);
    expect(compact.stateBefore).toBeUndefined();
    expect(compact.stateAfter).toBeUndefined();
    expect(compact.detail).toBe('sign in first (7 earlier attempts from this address not recorded one by one)');
    expect(compactAnonymousEntry(entry, 0).detail).toBe('sign in first');
    expect(compactAnonymousEntry(entry, 1).detail).toBe(
      'sign in first (1 earlier attempt from this address not recorded one by one)',
    );
  });
});
