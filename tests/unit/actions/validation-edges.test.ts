// The edges of input validation that the main tests pass over: the shortest node names and label
// values, how an identity becomes a label-safe creator_id character by character, lone carriage
// returns in a reason, and a reason that is not text.
import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { CREATOR_METADATA_KEY, isLabelValue, labelSafeCreatorId } from '@/lib/actions/creator-id';
import { MANUAL_QUARANTINE_AGENT, MANUAL_QUARANTINE_CHECK, parseNodeAction } from '@/lib/actions/node-action-input';
import { normaliseReason } from '@/lib/actions/reason-text';

const hash = (identity: string) => createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 8);
const creatorId = (identity: string) => labelSafeCreatorId(identity, MANUAL_QUARANTINE_AGENT);

describe('node names', () => {
  it.each(['a', '7', 'a.b', 'gpu-1.a', 'a.b.c'])('accepts the short Kubernetes name %j', (nodeName) => {
    expect(parseNodeAction({ nodeName, reason: 'fan failure' })).toEqual({
      ok: true,
      value: { nodeName, reason: 'fan failure' },
    });
  });

  it('stores a manual quarantine as sentinel-console / ManualQuarantine', () => {
    expect([MANUAL_QUARANTINE_AGENT, MANUAL_QUARANTINE_CHECK]).toEqual(['sentinel-console', 'ManualQuarantine']);
  });
});

describe('reasons', () => {
  it('turns a lone carriage return into a line break instead of refusing it as a control character', () => {
    expect(normaliseReason('fan\rfailure')).toBe('fan\nfailure');
    expect(parseNodeAction({ nodeName: 'gpu-1', reason: 'fan\rfailure\r\n42' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-1', reason: 'fan\nfailure\n42' },
    });
  });

  it.each([42, null, { text: 'x' }])('refuses a reason that is not text (%j)', (reason) => {
    expect(parseNodeAction({ nodeName: 'gpu-1', reason })).toEqual({ ok: false, error: 'reason must be text' });
  });
});

describe('label values and creator ids', () => {
  it('keeps the full identity under sentinel-console/creator', () => {
    expect(CREATOR_METADATA_KEY).toBe('sentinel-console/creator');
  });

  it('counts the empty value and one character as label values, as Kubernetes does', () => {
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('a')).toBe(true);
    expect(isLabelValue('-')).toBe(false);
    expect(isLabelValue('x'.repeat(63))).toBe(true);
  });

  it('keeps an identity that fills the label exactly, and hashes one a character longer', () => {
    const room = 63 - MANUAL_QUARANTINE_AGENT.length - 1;
    const fits = 'a'.repeat(room);
    expect(creatorId(fits)).toBe(fits);
    const over = 'a'.repeat(room + 1);
    expect(creatorId(over)).toBe(`${'a'.repeat(room - 9)}-${hash(over)}`);
  });

  it('turns each run of other characters into one dash and trims what is not a letter or digit at both ends', () => {
    expect(creatorId('john  doe@example.com')).toBe(`john-doe-${hash('john  doe@example.com')}`);
    expect(creatorId('a--b@example.com')).toBe(`a-b-${hash('a--b@example.com')}`);
    expect(creatorId('a-- --b@example.com')).toBe(`a-b-${hash('a-- --b@example.com')}`);
    expect(creatorId('..__alice__..@example.com')).toBe(`alice-${hash('..__alice__..@example.com')}`);
  });

  it('uses the part before the last @ only when there is one, not at the start', () => {
    expect(creatorId('ops team')).toBe(`ops-team-${hash('ops team')}`);
    expect(creatorId('@example.com')).toBe(`example.com-${hash('@example.com')}`);
    expect(creatorId('a@b@example.com')).toBe(`a-b-${hash('a@b@example.com')}`);
  });
});
