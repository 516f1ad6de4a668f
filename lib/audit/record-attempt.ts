// One attempt into the audit log, the same way wherever it is recorded (the mutation runner,
// proxy.ts): whole for a signed-in user; compact and within the anonymous budget for a caller who
// is not (lib/audit/anonymous-attempts.ts); and written to stderr in full when the database cannot
// take it, so the attempt is still on record in the logs.
import type pg from 'pg';

import { anonymousAttempts, compactAnonymousEntry } from './anonymous-attempts';
import type { AuditEntryInput } from './audit-entry';
import { appendAudit } from './audit-log';

export type Recorded = { recorded: true } | { recorded: false; retryAfterMs: number };

export async function recordAttempt(pool: pg.Pool, entry: AuditEntryInput, signedIn: boolean): Promise<Recorded> {
  let row = entry;
  if (!signedIn) {
    const admission = anonymousAttempts().admit(entry.clientAddress ?? 'unknown');
    if (!admission.record) return { recorded: false, retryAfterMs: admission.retryAfterMs };
    row = compactAnonymousEntry(entry, admission.unrecorded);
  }
  try {
    await appendAudit(pool, row);
  } catch (error) {
    console.error(`[audit] NOT STORED (${(error as Error).message}): ${JSON.stringify(row)}`);
  }
  return { recorded: true };
}
