'use client';
// The audit log: filters in the URL, the newest entries refreshed every few seconds, older pages
// by "Older entries", and the same filter as CSV.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import type { FormEvent } from 'react';

import { useDisplayZone } from '@/components/ui/display-zone';
import { Panel } from '@/components/ui/panel';
import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import type { AuditEntry } from '@/lib/audit/audit-entry';
import { fetchJson } from '@/lib/client/fetch-json';
import { fromZoneInput, toZoneInput } from '@/lib/format/time';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';
import {
  AUDIT_OUTCOMES,
  auditActionChoices,
  auditActionName,
  auditTargetText,
  changedFields,
  type AuditPage,
} from '@/lib/queries/audit-view';

const OUTCOME_STYLE: Record<string, string> = {
  ok: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  denied: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  invalid: 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200',
  error: 'bg-fuchsia-100 text-fuchsia-900 dark:bg-fuchsia-950 dark:text-fuchsia-200',
};
const input = 'rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';

function Change({ entry, zone, users }: { entry: AuditEntry; zone: string; users: AuditPage['users'] }) {
  const fields = changedFields(entry.stateBefore, entry.stateAfter, { zone, users });
  if (fields.length === 0) return null;
  return (
    <ul className="space-y-0.5">
      {fields.map((field) => (
        <li key={field.field}>
          {field.field ? <span className="text-zinc-500 dark:text-zinc-400">{field.field}: </span> : null}
          {field.before ? <span>{field.before}</span> : null}
          {field.before && field.after ? ' → ' : null}
          {field.after ? <span className="text-zinc-900 dark:text-zinc-100">{field.after}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function nodeOf(entry: AuditEntry): string | null {
  return entry.action.startsWith('node.') && entry.target && /^[a-z0-9.-]{1,253}$/.test(entry.target)
    ? entry.target
    : null;
}

export function AuditClient({ initial, initialError }: { initial: AuditPage | null; initialError: string | null }) {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const query = params.toString();
  const key = ['audit', query];
  const result = useQuery({
    queryKey: key,
    queryFn: () => fetchJson<AuditPage>(`/api/audit${query ? `?${query}` : ''}`),
    initialData: initial ?? undefined,
  });
  useRefetchEvery(key, 5_000);
  const page = result.data;
  const users = page?.users ?? {};
  // From and To are clocks in the zone every time on the page is shown in.
  const zone = useDisplayZone();
  const shownInput = (name: 'from' | 'to') => {
    const value = params.get(name);
    return value ? toZoneInput(Date.parse(value), zone) : '';
  };

  function applyFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ['actor', 'action', 'outcome', 'target', 'from', 'to']) {
      const value = String(form.get(name) ?? '').trim();
      if (!value) continue;
      const at = name === 'from' || name === 'to' ? fromZoneInput(value, zone) : NaN;
      // A time the zone cannot read goes as typed, for the server to name what is wrong with it.
      next.set(name, Number.isNaN(at) ? value : new Date(at).toISOString());
    }
    router.replace(`${pathname}${next.size ? `?${next}` : ''}`, { scroll: false });
  }

  const exportParams = new URLSearchParams(params);
  exportParams.delete('before');
  const olderParams = new URLSearchParams(params);
  if (page?.nextBefore) olderParams.set('before', page.nextBefore);

  return (
    <div className="space-y-4">
      <form
        onSubmit={applyFilter}
        className="flex flex-wrap items-end gap-2 text-sm"
        aria-label="Filter the audit log"
        // Read again when the zone changes: the time fields show clocks in it.
        key={`${query} ${zone}`}
      >
        <label className="flex flex-col">
          Actor
          <select name="actor" defaultValue={params.get('actor') ?? ''} className={input}>
            <option value="">anyone</option>
            {page?.facets.actors.map((actor) => (
              <option key={actor} value={actor}>
                {actor}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          Action
          <select name="action" defaultValue={params.get('action') ?? ''} className={input}>
            <option value="">any</option>
            {auditActionChoices(page?.facets.actions ?? []).map((action) => (
              <option key={action.value} value={action.value}>
                {action.label}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          Outcome
          <select name="outcome" defaultValue={params.get('outcome') ?? ''} className={input}>
            <option value="">any</option>
            {AUDIT_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {outcome}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          Target
          <input
            name="target"
            defaultValue={params.get('target') ?? ''}
            placeholder="node or user/…"
            className={input}
          />
        </label>
        <label className="flex flex-col">
          From ({zone})
          <input name="from" type="datetime-local" defaultValue={shownInput('from')} className={input} />
        </label>
        <label className="flex flex-col">
          To ({zone})
          <input name="to" type="datetime-local" defaultValue={shownInput('to')} className={input} />
        </label>
        <button
          type="submit"
          className="rounded bg-zinc-900 px-3 py-1.5 text-white dark:bg-zinc-100 dark:text-zinc-900"
        >
          Filter
        </button>
        {query ? (
          <Link href={pathname} className="px-2 py-1.5 text-sky-700 underline dark:text-sky-400">
            Clear
          </Link>
        ) : null}
        <a
          href={`/api/audit/export${exportParams.size ? `?${exportParams}` : ''}`}
          className="ml-auto rounded border border-zinc-300 px-3 py-1.5 dark:border-zinc-700"
          data-testid="audit-export"
        >
          Export CSV
        </a>
      </form>

      <Panel
        state={
          !page ? (result.isError || initialError ? 'error' : 'loading') : page.entries.length === 0 ? 'empty' : 'ready'
        }
        error={result.error?.message ?? initialError ?? undefined}
        emptyText="No audit entries match."
        className="overflow-x-auto"
        testId="audit-log"
      >
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="py-1 pr-3 font-medium">Time</th>
              <th className="pr-3 font-medium">Actor</th>
              <th className="pr-3 font-medium">Action</th>
              <th className="pr-3 font-medium">Target</th>
              <th className="pr-3 font-medium">Reason</th>
              <th className="pr-3 font-medium">Outcome</th>
              <th className="pr-3 font-medium">Changed (before → after)</th>
              <th className="pr-3 font-medium">Request</th>
            </tr>
          </thead>
          <tbody>
            {page?.entries.map((entry) => {
              const node = nodeOf(entry);
              return (
                <tr
                  key={entry.id}
                  className="border-t border-zinc-100 align-top dark:border-zinc-800"
                  data-testid="audit-entry"
                  data-action={entry.action}
                  data-outcome={entry.outcome}
                  data-target={entry.target ?? ''}
                  data-actor={entry.actor}
                  data-request-id={entry.requestId}
                >
                  <td className="py-1 pr-3 whitespace-nowrap">
                    <LocalTime at={Date.parse(entry.at)} />
                    <br />
                    <RelativeTime at={Date.parse(entry.at)} className="text-xs text-zinc-500 dark:text-zinc-400" />
                  </td>
                  <td className="pr-3">
                    {entry.actor}
                    {entry.actorRole ? (
                      <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">({entry.actorRole})</span>
                    ) : null}
                  </td>
                  <td className="pr-3" title={entry.action} data-testid="audit-action">
                    {auditActionName(entry.action)}
                  </td>
                  <td className="max-w-48 pr-3 font-mono text-xs break-words" data-testid="audit-target">
                    {node ? (
                      <Link href={`/nodes/${node}`} className="text-sky-700 hover:underline dark:text-sky-400">
                        {node}
                      </Link>
                    ) : (
                      auditTargetText(entry, users)
                    )}
                  </td>
                  <td className="max-w-64 pr-3 break-words">{entry.reason}</td>
                  <td className="pr-3">
                    <span className={`rounded px-1.5 py-0.5 text-xs ${OUTCOME_STYLE[entry.outcome]}`}>
                      {entry.outcome}
                    </span>
                    {entry.detail ? (
                      <p className="mt-1 max-w-64 text-xs break-words text-zinc-600 dark:text-zinc-400">
                        {entry.detail}
                      </p>
                    ) : null}
                  </td>
                  <td className="max-w-72 pr-3 text-xs break-words text-zinc-600 dark:text-zinc-400">
                    <Change entry={entry} zone={zone} users={users} />
                  </td>
                  <td className="pr-3 font-mono text-xs text-zinc-500 dark:text-zinc-400" title={entry.requestId}>
                    {entry.requestId.slice(0, 8)}
                    {entry.clientAddress ? (
                      <>
                        <br />
                        {entry.clientAddress}
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {page?.nextBefore ? (
          <Link
            href={`${pathname}?${olderParams}`}
            className="mt-3 inline-block text-sm text-sky-700 underline dark:text-sky-400"
          >
            Older entries
          </Link>
        ) : null}
      </Panel>
    </div>
  );
}
