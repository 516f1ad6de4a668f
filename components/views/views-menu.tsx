'use client';
// The header's Views menu (a disclosure, as the header's own Menu button): on the Nodes, Events,
// Throughput and Audit pages it saves the page and its filter (the URL's query string, as the page
// keeps it) under a name; everywhere it lists the user's views, each opened with one click, and
// links to /views, where they are renamed, shared and deleted. On a phone it opens inside the
// header's menu panel, under its button; on a wide screen it is a bookmark icon (named Views) that
// drops down from the header, whose one row has no room for another word.
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

import { useSavedViews, useViewChange } from '@/lib/client/saved-views';
import { isViewPath, VIEW_NAME_MAX, VIEW_PAGES, viewLink } from '@/lib/queries/saved-views-view';

/** The most views the menu lists; /views has them all. */
const LISTED = 12;

export function ViewsMenu() {
  const pathname = usePathname();
  const panelId = useId();
  // Open only on the page it was opened on: any navigation closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const [opened, setOpened] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const views = useSavedViews({ enabled: opened });
  const change = useViewChange();
  const [name, setName] = useState('');
  const savable = isViewPath(pathname);

  useEffect(() => {
    if (!open) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      // The header's own menu closes on the same key; the views panel goes first.
      event.stopImmediatePropagation();
      setOpenOn(null);
      button.current?.focus();
    };
    document.addEventListener('keydown', closeOnEscape, { capture: true });
    return () => document.removeEventListener('keydown', closeOnEscape, { capture: true });
  }, [open]);

  const toggle = () => {
    if (open) return setOpenOn(null);
    change.setAnswer(null);
    setOpenOn(pathname);
    if (opened) void views.refetch();
    setOpened(true);
  };

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // The filter as the page keeps it now (pages change their URL in place as filters change).
    const query = window.location.search.replace(/^\?/, '');
    if (await change.run('/api/views', { name, path: pathname, query })) setName('');
  };

  const own = (views.data ?? []).filter((view) => view.mine);
  return (
    <div className="relative w-full lg:w-auto">
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={toggle}
        data-testid="views-menu-button"
        title="Views: save this page's filter, open a saved one"
        className="rounded px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 aria-expanded:bg-zinc-100 lg:px-1.5 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-expanded:bg-zinc-800"
      >
        {/* A bookmark in the wide header's one row; the word on a phone, where the menu has room. */}
        <svg
          aria-hidden
          viewBox="0 0 16 16"
          className="hidden h-4 w-4 lg:block"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.5"
        >
          <path d="M4 1.75h8v12.5l-4-3-4 3z" />
        </svg>
        <span className="lg:sr-only">Views</span>
      </button>
      <div
        id={panelId}
        data-testid="views-menu"
        hidden={!open}
        className="mt-2 w-full space-y-3 rounded border border-zinc-200 bg-white p-3 text-sm shadow-lg lg:absolute lg:top-full lg:right-0 lg:z-30 lg:w-80 dark:border-zinc-700 dark:bg-zinc-900"
      >
        {savable ? (
          <form onSubmit={save} className="space-y-1" aria-label="Save this view" noValidate>
            <label className="flex flex-col gap-1">
              <span>
                Save this {VIEW_PAGES[pathname].label} view{' '}
                <span className="text-xs text-zinc-500 dark:text-zinc-400">(the page and its filter)</span>
              </span>
              <span className="flex gap-2">
                <input
                  name="name"
                  value={name}
                  onChange={(event) => setName(event.target.value)}
                  maxLength={VIEW_NAME_MAX}
                  autoComplete="off"
                  placeholder="Name, such as rack 7 unhealthy"
                  className="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
                />
                <button
                  type="submit"
                  disabled={change.pending}
                  className="rounded border border-zinc-300 px-2 py-1 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
                >
                  Save
                </button>
              </span>
            </label>
          </form>
        ) : (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Views keep the filter of the Nodes, Events, Throughput and Audit pages: open one of them to save one.
          </p>
        )}
        {change.answer ? (
          <p
            role="status"
            data-testid="views-menu-answer"
            data-ok={change.answer.ok}
            className={change.answer.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}
          >
            {change.answer.text}
          </p>
        ) : null}
        <nav aria-label="Your views" className="border-t border-zinc-200 pt-2 dark:border-zinc-700">
          {views.isPending && opened ? (
            <p className="text-zinc-500 dark:text-zinc-400">Loading your views…</p>
          ) : views.isError ? (
            <p role="alert" className="text-red-700 dark:text-red-400">
              {views.error.message}
            </p>
          ) : own.length === 0 ? (
            <p className="text-zinc-500 dark:text-zinc-400">No views saved yet.</p>
          ) : (
            <ul className="max-h-72 overflow-y-auto">
              {own.slice(0, LISTED).map((view) => (
                <li key={view.id}>
                  <Link
                    href={viewLink(view.id)}
                    prefetch={false}
                    onClick={() => setOpenOn(null)}
                    className="flex items-baseline justify-between gap-2 rounded px-2 py-1.5 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:hover:bg-zinc-800"
                  >
                    <span className="truncate">{view.name}</span>
                    <span className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400">
                      {VIEW_PAGES[view.path].label}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <Link
            href="/views"
            onClick={() => setOpenOn(null)}
            className="mt-1 block rounded px-2 py-1.5 text-sky-700 hover:bg-zinc-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-400 dark:hover:bg-zinc-800"
          >
            {own.length > LISTED ? `All ${own.length} views…` : 'Manage views…'}
          </Link>
        </nav>
      </div>
    </div>
  );
}
