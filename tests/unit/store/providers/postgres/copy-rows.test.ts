// COPY text format: what PostgreSQL's COPY FROM reads back as the value given.
import { describe, expect, it } from 'vitest';

import { copyField, copyLine } from '@/lib/store/providers/postgres/copy-rows';

describe('COPY text format', () => {
  it('writes null as \\N and escapes backslash, newline, carriage return and tab', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('')).toBe('');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
    expect(copyField('{"message":"line\\nbreak \\"quoted\\""}')).toBe('{"message":"line\\\\nbreak \\\\"quoted\\\\""}');
    expect(copyField('\\.')).toBe('\\\\.');
    expect(copyField('naïve ✓')).toBe('naïve ✓');
  });

  it('writes booleans as t/f, numbers as text and dates as ISO 8601 in UTC', () => {
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(42)).toBe('42');
    expect(copyField(new Date('2026-11-22T10:00:00.123Z'))).toBe('2026-11-22T10:00:00.123Z');
  });

  it('joins a row with tabs and ends it with a newline', () => {
    expect(copyLine(['a', null, 't\tab', false])).toBe('a\t\\N\tt\\tab\tf\n');
  });
});
