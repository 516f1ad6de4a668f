'use client';
// The Views page: the user's named views (an admin's list holds everyone's), each opened with one
// click; its owner renames it, shares it (its link then opens for anyone signed in who may see its
// page) or keeps it private, and deletes it; an admin deletes anyone's. Changes go to the routes
// under /api/views, which check and audit them as every change is checked and audited.
import Link from 'next/link';
import { useState, type FormEvent } from 'react';

import { Panel } from '@/components/ui/panel';
import { LocalTime } from '@/components/ui/relative-time';
import { useSavedViews, useViewChange } from '@/lib/client/saved-views';
import { VIEW_NAME_MAX, VIEW_PAGES, VIEWS_PER_USER, viewLink, type SavedViewRow } from '@/lib/queries/saved-views-view';

const button =
  'rounded border border-zinc-300 px-2 py-1 text-xs hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800';

/** The filter as a person reads it: "state=unhealthy · q=rack7", or "no filter". */
function filterText(query: string): string {
  const params = [...new URLSearchParams(query)];
  return params.length ? params.map(([name, value]) => `${name}=${value}`).join(' · ') : 'no filter';
}

function ViewItem({ view, change }: { view: SavedViewRow; change: ReturnType<typeof useViewChange> }) {
  const [renaming, setRenaming] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [copied, setCopied] = useState(false);
  const page = VIEW_PAGES[view.path];
  const url = `/api/views/${view.id}`;

  const rename = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '');
    if (await change.run(url, { name })) setRenaming(false);
  };
  const copyLink = async () => {
    await navigator.clipboard?.writeText(new URL(viewLink(view.id), window.location.origin).toString()).catch(() => {});
    setCopied(true);
  };

  return (
    <li data-testid="saved-view" data-view-id={view.id} className="space-y-2 py-3">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <Link
          href={viewLink(view.id)}
          prefetch={false}
          className="font-medium break-all text-sky-700 hover:underline dark:text-sky-400"
        >
          {view.name}
        </Link>
        <span className="text-sm text-zinc-600 dark:text-zinc-400">{page.label}</span>
        <span
          className={`rounded px-1.5 py-0.5 text-xs ${view.shared ? 'bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100' : 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300'}`}
        >
          {view.shared ? 'shared' : 'private'}
        </span>
        {view.mine ? null : <span className="text-xs text-zinc-500 dark:text-zinc-400">of {view.ownerName}</span>}
      </div>
      <p className="font-mono text-xs break-all text-zinc-600 dark:text-zinc-400">{filterText(view.query)}</p>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Changed <LocalTime at={Date.parse(view.updatedAt)} />
      </p>
      {renaming ? (
        <form
          onSubmit={rename}
          className="flex flex-wrap items-center gap-2"
          aria-label={`Rename ${view.name}`}
          noValidate
        >
          <input
            name="name"
            defaultValue={view.name}
            maxLength={VIEW_NAME_MAX}
            autoComplete="off"
            aria-label="New name"
            className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
          <button type="submit" disabled={change.pending} className={button}>
            Save name
          </button>
          <button type="button" onClick={() => setRenaming(false)} className={button}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          {view.mine ? (
            <>
              <button type="button" onClick={() => setRenaming(true)} className={button}>
                Rename
              </button>
              <button
                type="button"
                disabled={change.pending}
                onClick={() => void change.run(`${url}/share`, { shared: !view.shared })}
                className={button}
              >
                {view.shared ? 'Make private' : 'Share'}
              </button>
            </>
          ) : null}
          {view.shared || view.mine ? (
            <button type="button" onClick={() => void copyLink()} className={button}>
              {copied ? 'Link copied' : 'Copy link'}
            </button>
          ) : null}
          {confirmDelete ? (
            <>
              <span className="text-xs">Delete “{view.name}”?</span>
              <button
                type="button"
                disabled={change.pending}
                onClick={() => void change.run(url, undefined, 'DELETE')}
                className={`${button} border-red-300 text-red-700 dark:border-red-800 dark:text-red-400`}
              >
                Delete view
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)} className={button}>
                Keep it
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirmDelete(true)} className={button}>
              Delete…
            </button>
          )}
        </div>
      )}
    </li>
  );
}

export function ViewsClient({
  initial,
  initialError,
}: {
  initial: SavedViewRow[] | null;
  initialError: string | null;
}) {
  const views = useSavedViews({ initial });
  const change = useViewChange();
  const rows = views.data ?? [];
  const own = rows.filter((view) => view.mine);
  const others = rows.filter((view) => !view.mine);
  const error = views.error?.message ?? (views.data ? null : initialError);

  return (
    <div className="space-y-4">
      {change.answer ? (
        <p
          role="status"
          data-testid="views-answer"
          data-ok={change.answer.ok}
          className={`text-sm ${change.answer.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}`}
        >
          {change.answer.text}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <Panel title={`Your views (${own.length} of ${VIEWS_PER_USER})`}>
        {own.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            No views yet. Filter the Nodes, Events, Throughput or Audit page, then save it from the header&apos;s Views
            menu.
          </p>
        ) : (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Your views">
            {own.map((view) => (
              <ViewItem key={view.id} view={view} change={change} />
            ))}
          </ul>
        )}
      </Panel>
      {others.length > 0 ? (
        <Panel title={`Other users' views (${others.length}; as an admin you may delete any)`}>
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Other users' views">
            {others.map((view) => (
              <ViewItem key={view.id} view={view} change={change} />
            ))}
          </ul>
        </Panel>
      ) : null}
    </div>
  );
}
