// Reasons (quarantine, release, disabling a user) are read by people later: text that hides or
// reorders itself is refused, and lengths count the NFC-normalised text. Found by an outside
// probe: bidi overrides, C1 controls and zero-width characters passed (three U+200B made a
// 3-character reason).
import { describe, expect, it } from 'vitest';

import { parseNodeAction } from '@/lib/actions/node-action-input';
import { normaliseReason, reasonProblem } from '@/lib/actions/reason-text';
import { disableUserMutation } from '@/lib/actions/user-mutations';

const nodeError = (reason: unknown) => {
  const result = parseNodeAction({ nodeName: 'gpu-node-0001', reason });
  return result.ok ? undefined : result.error;
};
const disableError = (reason: unknown) => {
  const result = disableUserMutation.parse({ userId: 'Xk2-9_abcDEF', reason });
  return result.ok ? undefined : result.error;
};

const BIDI = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u180e'];
const C1 = ['\u0080', '\u0085', '\u008d', '\u009b', '\u009f'];
const hex = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

describe('reasons refuse characters that hide or reorder text, naming the character', () => {
  it.each(BIDI)('the text-direction character %j', (char) => {
    const message = `reason must not contain text-direction characters (found ${hex(char)})`;
    expect(nodeError(`fan failure ${char}evil`)).toBe(message);
    expect(disableError(`left the team ${char}evil`)).toBe(message);
  });

  it.each(ZERO_WIDTH)('the zero-width character %j', (char) => {
    const message = `reason must not contain zero-width characters (found ${hex(char)})`;
    expect(nodeError(`fan${char} failure`)).toBe(message);
    expect(disableError(`left${char} the team`)).toBe(message);
  });

  it.each(C1)('the C1 control %j', (char) => {
    expect(nodeError(`fan failure${char}x`)).toBe(`reason must not contain control characters (found ${hex(char)})`);
    expect(disableError(`left${char} the team`)).toBe(
      `reason must not contain control characters (found ${hex(char)})`,
    );
  });

  it('three U+200B are not a 3-character reason', () => {
    expect(nodeError('\u200b\u200b\u200b')).toBe('reason must not contain zero-width characters (found U+200B)');
    expect(disableError('\u200b\u200b\u200b')).toBe('reason must not contain zero-width characters (found U+200B)');
  });

  it('keeps refusing C0 controls and DEL', () => {
    expect(nodeError('bad\u0000byte')).toBe('reason must not contain control characters (found U+0000)');
    expect(disableError('bell\u0007!')).toBe('reason must not contain control characters (found U+0007)');
    expect(nodeError('del\u007fete')).toBe('reason must not contain control characters (found U+007F)');
  });
});

describe('reasons that are only invisible are refused', () => {
  it.each([
    ['Hangul fillers', '\u3164\u3164\u3164'],
    ['braille blanks', '\u2800\u2800\u2800'],
    ['combining marks alone', '\u0301\u0301\u0301'],
    ['a soft hyphen between blanks', '\u3164\u00ad\u3164'],
  ])('%s', (_, reason) => {
    expect(nodeError(reason)).toBe('reason must contain visible text, not only blank or invisible characters');
    expect(disableError(reason)).toBe('reason must contain visible text, not only blank or invisible characters');
  });

  it('white space alone is too short, as before', () => {
    expect(nodeError('      ')).toBe('reason must be at least 3 characters');
  });
});

describe('reasons are normalised to NFC before their length is counted', () => {
  it('stores the composed form', () => {
    expect(parseNodeAction({ nodeName: 'gpu-1', reason: 'cafe\u0301 fan' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-1', reason: 'caf\u00e9 fan' },
    });
    expect(normaliseReason('  e\u0301t\u00e9  ')).toBe('\u00e9t\u00e9');
  });

  it('counts the normalised length at both ends', () => {
    // "é" decomposed is two code units; after NFC, "éé" is 2 characters: too short.
    expect(nodeError('e\u0301e\u0301')).toBe('reason must be at least 3 characters');
    // 500 composed characters given as 1000 decomposed code units pass; 501 do not.
    expect(nodeError('e\u0301'.repeat(500))).toBeUndefined();
    expect(nodeError('e\u0301'.repeat(501))).toBe('reason must be at most 500 characters');
  });

  it('turns \\r\\n into \\n and keeps line breaks and tabs', () => {
    expect(parseNodeAction({ nodeName: 'gpu-1', reason: 'fan failure\r\nticket\t42' })).toEqual({
      ok: true,
      value: { nodeName: 'gpu-1', reason: 'fan failure\nticket\t42' },
    });
  });

  it('accepts ordinary text in other scripts and emoji without joiners', () => {
    for (const reason of ['Lüfter defekt', 'ファン故障', 'عطل في المروحة', 'вентилятор 🔥'])
      expect(reasonProblem(normaliseReason(reason))).toBeNull();
  });
});
