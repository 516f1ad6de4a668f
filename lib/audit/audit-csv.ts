// CSV of audit entries (RFC 4180). A cell that a spreadsheet would run as a formula (=, +, -, @,
// tab, CR at the start) is prefixed with an apostrophe: the log holds attacker-chosen text.
import type { AuditEntry } from './audit-entry';

export const AUDIT_CSV_COLUMNS = [
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
] as const;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsvRow(entry: AuditEntry): string {
  return [
    entry.id,
    entry.at,
    entry.actor,
    entry.actorRole,
    entry.action,
    entry.target,
    entry.reason,
    entry.outcome,
    entry.detail,
    entry.stateBefore,
    entry.stateAfter,
    entry.requestId,
    entry.clientAddress,
  ]
    .map(csvCell)
    .join(',');
}

export const AUDIT_CSV_HEADER = AUDIT_CSV_COLUMNS.join(',');
