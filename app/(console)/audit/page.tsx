import { parseAuditFilter } from '@/lib/queries/audit-filter';
import { readAuditPage } from '@/lib/queries/audit';
import { requirePageActor } from '@/lib/server/auth';
import { appContext } from '@/lib/server/app-context';

import { AuditChainStatus } from '@/components/audit/audit-chain-status';

import { AuditClient } from './client';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Audit · Sentinel Console' };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageActor('audit:read');
  const parsed = parseAuditFilter(await searchParams);
  const initial = parsed.ok
    ? await readAuditPage(appContext(), parsed.filter).catch((error: Error) => error.message)
    : parsed.error;
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-semibold">Audit log</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Every attempt to change something — allowed, refused or failed — newest first. Entries are never changed or
        removed.
      </p>
      <AuditChainStatus />
      <AuditClient
        initial={typeof initial === 'string' ? null : initial}
        initialError={typeof initial === 'string' ? initial : null}
      />
    </section>
  );
}
