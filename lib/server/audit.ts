// Writes audit records for this server process. A record that cannot be stored (the console
// database is down) is written to stderr in full, so the attempt is still on record in the logs.
import 'server-only';

import { appendAudit } from '@/lib/audit/audit-log';
import type { AuditEntryInput } from '@/lib/audit/audit-entry';
import { getConsolePool } from '@/lib/server/console-database';

export async function recordAudit(entry: AuditEntryInput): Promise<void> {
  try {
    await appendAudit(getConsolePool(), entry);
  } catch (error) {
    console.error(`[audit] NOT STORED (${(error as Error).message}): ${JSON.stringify(entry)}`);
  }
}
