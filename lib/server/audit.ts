// Writes audit records for this server process (lib/audit/record-attempt.ts on the console pool).
import 'server-only';

import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { recordAttempt, type Recorded } from '@/lib/audit/record-attempt';
import { getConsolePool } from '@/lib/server/console-database';

export function recordAudit(entry: AuditEntryInput, signedIn: boolean): Promise<Recorded> {
  return recordAttempt(getConsolePool(), entry, signedIn);
}
