// The audit log as CSV: RFC 4180, and safe to open in a spreadsheet although it holds
// attacker-chosen text.
import { describe, expect, it } from 'vitest';

import { AUDIT_CSV_HEADER, auditCsvRow, csvCell } from '@/lib/audit/audit-csv';
import type { AuditEntry } from '@/lib/audit/audit-entry';

/** A minimal RFC 4180 reader (quoted fields, "" for a quote, CRLF/LF records), to read back what was written. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      // handled by the \n
    } else if (char === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field || record.length) records.push([...record, field]);
  return records;
}

const entry: AuditEntry = {
  id: '1001',
  at: '2026-12-02T08:00:00.000Z',
  actor: 'ana',
  actorRole: 'operator',
  action: 'node.quarantine',
  target: 'node/gpu-node-0007',
  reason: 'fan failure, "loud", since\nmonday',
  outcome: 'ok',
  detail: 'gpu-node-0007 is quarantined.',
  stateBefore: { state: 'healthy' },
  stateAfter: { state: 'healthy', quarantineRequested: true },
  requestId: 'req-1',
  clientAddress: '203.0.113.7',
};

describe('csvCell', () => {
  it('writes plain text as it is and null/undefined as an empty cell', () => {
    expect(csvCell('gpu-node-0007')).toBe('gpu-node-0007');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('')).toBe('');
  });

  it('quotes cells holding a comma, a quote, CR or LF, doubling quotes (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell('"')).toBe('""""');
  });

  it.each([
    ['=HYPERLINK("http://evil.example.com","x")', `"'=HYPERLINK(""http://evil.example.com"",""x"")"`],
    ['=1+1', "'=1+1"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('defuses the formula %j so a spreadsheet shows it as text', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('leaves formula characters alone when they are not first', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('gpu-node-1')).toBe('gpu-node-1');
    expect(csvCell('user@example.com')).toBe('user@example.com');
  });

  it('writes objects and arrays as JSON, quoted', () => {
    expect(csvCell({ state: 'healthy', count: 2 })).toBe('"{""state"":""healthy"",""count"":2}"');
    expect(csvCell(['a'])).toBe('"[""a""]"');
    expect(csvCell({})).toBe('{}');
  });

  it('writes numbers and booleans as JSON, defusing a negative number like any other leading "-"', () => {
    expect(csvCell(42)).toBe('42');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(-1)).toBe("'-1");
  });
});

describe('auditCsvRow', () => {
  it('writes the columns of the header in order', () => {
    const header = AUDIT_CSV_HEADER.split(',');
    expect(header).toEqual([
      'id',
      'at',
      'actor',
      'actor_role',
      'action',
      'target',
      'reason',
      'outcome',
      'detail',
      'state_before',
      'state_after',
      'request_id',
      'client_address',
    ]);
    const [row] = parseCsv(`${auditCsvRow(entry)}\r\n`);
    expect(row).toHaveLength(header.length);
    expect(Object.fromEntries(header.map((name, i) => [name, row[i]]))).toEqual({
      id: '1001',
      at: '2026-12-02T08:00:00.000Z',
      actor: 'ana',
      actor_role: 'operator',
      action: 'node.quarantine',
      target: 'node/gpu-node-0007',
      reason: 'fan failure, "loud", since\nmonday',
      outcome: 'ok',
      detail: 'gpu-node-0007 is quarantined.',
      state_before: '{"state":"healthy"}',
      state_after: '{"state":"healthy","quarantineRequested":true}',
      request_id: 'req-1',
      client_address: '203.0.113.7',
    });
  });

  it('keeps one record per entry whatever the text holds, and empty cells for missing values', () => {
    const hostile: AuditEntry = {
      ...entry,
      actor: "=cmd|' /C calc'!A0",
      actorRole: null,
      target: null,
      reason: 'a\r\nb,"c"\n',
      detail: '@import',
      stateBefore: null,
      stateAfter: undefined,
      clientAddress: null,
    };
    const records = parseCsv([AUDIT_CSV_HEADER, auditCsvRow(hostile), auditCsvRow(entry)].join('\r\n') + '\r\n');
    expect(records).toHaveLength(3);
    const [, row, next] = records;
    expect(row[2]).toBe("'=cmd|' /C calc'!A0");
    expect(row[3]).toBe('');
    expect(row[5]).toBe('');
    expect(row[6]).toBe('a\r\nb,"c"\n');
    expect(row[8]).toBe("'@import");
    expect(row[9]).toBe('');
    expect(row[10]).toBe('');
    expect(row[12]).toBe('');
    expect(next[0]).toBe('1001');
  });
});
