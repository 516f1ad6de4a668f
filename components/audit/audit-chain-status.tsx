'use client';
// Whether the audit log's hash chain holds: checked when the page opens and every minute after.
import { useQuery } from '@tanstack/react-query';

import type { AuditChainVerdict } from '@/lib/audit/audit-chain';
import { fetchJson } from '@/lib/client/fetch-json';

export function AuditChainStatus() {
  const result = useQuery({
    queryKey: ['audit-chain'],
    queryFn: () => fetchJson<AuditChainVerdict>('/api/audit/chain'),
    refetchInterval: 60_000,
  });
  const verdict = result.data;
  if (!verdict) {
    return (
      <p
        className="text-sm text-zinc-500 dark:text-zinc-400"
        data-testid="audit-chain"
        data-state={result.isError ? 'error' : 'checking'}
      >
        {result.isError ? `Hash chain not checked: ${(result.error as Error).message}` : 'Checking the hash chain…'}
      </p>
    );
  }
  const status = verdict.intact ? (
    <p className="text-sm text-emerald-700 dark:text-emerald-400" data-testid="audit-chain" data-state="intact">
      Hash chain intact: {verdict.entries.toLocaleString('en')} entries checked, none changed or removed.
    </p>
  ) : (
    <p
      role="alert"
      className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
      data-testid="audit-chain"
      data-state="broken"
    >
      Hash chain broken at entry #{verdict.brokenAt?.id}: {verdict.brokenAt?.problem}. The log was changed behind its
      append-only rule.
    </p>
  );
  if (!verdict.appRoleCanRewrite) return status;
  // The chain shows a change afterwards; this says the console's own role could make one.
  return (
    <>
      {status}
      <p className="text-sm text-amber-800 dark:text-amber-300" data-testid="audit-rewrite-power">
        The console&apos;s database {verdict.appRoleCanRewrite}: it could rewrite this log. Run the console as a role
        with only SELECT and INSERT on the audit log, and migrations as the table&apos;s owner
        (CONSOLE_DATABASE_MIGRATION_URL).
      </p>
    </>
  );
}
