import type { ReactNode } from 'react';

export const cardClass = 'rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900';

/** A titled panel with its loading, empty and error states, so every panel says what it is doing. */
export function Panel({
  title,
  actions,
  children,
  state,
  emptyText,
  error,
  className = '',
  testId,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
  state?: 'loading' | 'empty' | 'error' | 'ready';
  emptyText?: string;
  error?: string;
  className?: string;
  testId?: string;
}) {
  return (
    <section className={`${cardClass} ${className}`} data-testid={testId} aria-busy={state === 'loading'}>
      {title || actions ? (
        <div className="mb-3 flex items-center gap-3">
          {title ? <h2 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">{title}</h2> : null}
          {actions ? <div className="ml-auto flex items-center gap-2">{actions}</div> : null}
        </div>
      ) : null}
      {state === 'loading' ? <p className="animate-pulse text-sm text-zinc-500 dark:text-zinc-400">Loading…</p> : null}
      {state === 'error' ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error ?? 'Could not load this panel.'}
        </p>
      ) : null}
      {state === 'empty' ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">{emptyText ?? 'Nothing to show yet.'}</p>
      ) : null}
      {state === undefined || state === 'ready' ? children : null}
    </section>
  );
}
