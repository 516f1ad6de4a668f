'use client';
// The circuit breaker's reset (admins), NVSentinel's runbook reset done through the API server:
// the dialog shows first how many events wait behind the breaker, then the runbook's two modes in its
// words, asks for a reason and a typed confirmation, and shows the server's answer (what the API
// server stored, or why it refused). It sends the ConfigMap's resourceVersion as the page showed it
// when the dialog opened, so a breaker that tripped again since is not reset unseen. The server
// checks the role again: hiding the button is a courtesy.
import { useRef, useState, useTransition } from 'react';

import { resetBreaker } from '@/lib/actions/server-actions';
import type { MutationResult } from '@/lib/actions/mutation';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';

type Mode = 'resume' | 'create';

const CONFIRM_WORD = 'reset';

export function BreakerResetButton({
  tripped,
  waiting,
  resourceVersion,
  onDone,
}: {
  /** The button shows only while the breaker is TRIPPED; the last answer stays after it closes. */
  tripped: boolean;
  /** Events behind the breaker (fault-quarantine's backlog); null when unknown. */
  waiting: number | null;
  /** The circuit-breaker ConfigMap's resourceVersion as the page shows it. */
  resourceVersion: string | null;
  /** Called with every answer of the server (it comes once the server's watch has what it wrote): read the page again. */
  onDone: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<Mode | null>(null);
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setResult] = useState<MutationResult | null>(null);
  /** The breaker the admin decided on: as the page showed it when the dialog opened. */
  const [shown, setShown] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const backlog = waiting === null ? null : waiting.toLocaleString('en-US');
  const reasonOk = reason.trim().length >= 3 && reason.trim().length <= 500;
  const ready = mode !== null && reasonOk && confirm.trim().toLowerCase() === CONFIRM_WORD && !pending;

  const open = () => {
    setMode(null);
    setReason('');
    setConfirm('');
    setResult(null);
    setShown(resourceVersion);
    dialog.current?.showModal();
  };
  const submit = () => {
    if (!ready) return;
    startTransition(async () => {
      const outcome = await resetBreaker({
        mode,
        reason,
        ...(shown === null ? {} : { resourceVersion: shown }),
        idempotencyKey: newIdempotencyKey(),
      });
      setResult(outcome);
      if (outcome.ok) dialog.current?.close();
      // Refused or not, the breaker may have changed (tripped again, put back): the page reads it again.
      onDone();
    });
  };

  return (
    <div className="space-y-1">
      {tripped ? (
        <button
          type="button"
          onClick={open}
          disabled={pending}
          data-testid="breaker-reset"
          className="rounded bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 disabled:opacity-50"
        >
          Reset…
        </button>
      ) : null}
      {result ? (
        <p
          role={result.ok ? 'status' : 'alert'}
          data-testid="breaker-reset-result"
          className={`text-sm break-words ${result.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-600 dark:text-red-400'}`}
        >
          {result.ok ? result.message : result.error}
        </p>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby="breaker-reset-title"
        data-testid="breaker-reset-dialog"
        className="m-auto max-h-[90vh] w-[calc(100%-1rem)] max-w-lg overflow-y-auto rounded-lg border border-zinc-200 bg-white p-4 text-zinc-900 shadow-xl backdrop:bg-black/40 sm:p-5 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
          className="space-y-3 text-sm"
        >
          <h2 id="breaker-reset-title" className="text-lg font-semibold">
            Reset the circuit breaker?
          </h2>
          <p
            data-testid="breaker-reset-backlog"
            data-waiting={waiting ?? 'unknown'}
            className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200"
          >
            {backlog === null ? (
              <>
                An <strong>unknown</strong> number of events wait behind the breaker (fault-quarantine&apos;s backlog is
                not known yet).
              </>
            ) : (
              <>
                <strong className="tabular-nums">{backlog}</strong> {waiting === 1 ? 'event waits' : 'events wait'}{' '}
                behind the breaker (fault-quarantine&apos;s backlog in the datastore).
              </>
            )}
          </p>
          <p className="text-zinc-600 dark:text-zinc-400">
            The console sets NVSentinel&apos;s circuit-breaker ConfigMap to CLOSED and restarts the fault-quarantine
            Deployment, as NVSentinel&apos;s runbook does. Its runbook: reset only after the root cause is found and
            fixed, and uncordon the nodes that are healthy again first.
          </p>
          <fieldset className="space-y-2">
            <legend className="mb-1 font-medium">When fault-quarantine starts again</legend>
            <label className="flex gap-2 rounded border border-zinc-200 p-2 has-[:checked]:border-sky-600 dark:border-zinc-700 dark:has-[:checked]:border-sky-400">
              <input
                type="radio"
                name="breaker-mode"
                value="resume"
                checked={mode === 'resume'}
                onChange={() => setMode('resume')}
                data-testid="breaker-mode-resume"
                className="mt-1"
              />
              <span>
                <span className="font-medium">Resume</span> (cursor RESUME): process the{' '}
                {backlog === null ? 'waiting' : backlog} events that accumulated while it was tripped, healthy and fatal
                alike. They may cordon more nodes, and may trip the breaker again at once: NVSentinel&apos;s runbook
                advises this only when you are confident they won&apos;t.
              </span>
            </label>
            <label className="flex gap-2 rounded border border-zinc-200 p-2 has-[:checked]:border-sky-600 dark:border-zinc-700 dark:has-[:checked]:border-sky-400">
              <input
                type="radio"
                name="breaker-mode"
                value="create"
                checked={mode === 'create'}
                onChange={() => setMode('create')}
                data-testid="breaker-mode-create"
                className="mt-1"
              />
              <span>
                <span className="font-medium">Start from now</span> (cursor CREATE): skip them. fault-quarantine deletes
                its position and starts from the newest events; what waited is never processed, recoveries included, so
                nodes they would have released stay cordoned until uncordoned. NVSentinel&apos;s runbook recommends this
                after long outages.
              </span>
            </label>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">
              NVSentinel releases older than the fix of its issue #757 (reported on v0.7.1) opened the change stream
              before deleting the position, so old events could still replay with Start from now.
            </p>
          </fieldset>
          <label className="block">
            Reason (3 to 500 characters)
            <textarea
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              maxLength={500}
              required
              rows={3}
              data-testid="breaker-reset-reason"
              className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
            />
          </label>
          <label className="block">
            Type <span className="font-mono">{CONFIRM_WORD}</span> to confirm
            <input
              value={confirm}
              onChange={(event) => setConfirm(event.target.value)}
              autoComplete="off"
              data-testid="breaker-reset-confirm"
              className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-950"
            />
          </label>
          {result && !result.ok ? (
            <p role="alert" data-testid="breaker-reset-error" className="break-words text-red-600 dark:text-red-400">
              {result.error}
            </p>
          ) : null}
          <div className="flex flex-wrap justify-end gap-2">
            <button
              type="button"
              onClick={() => dialog.current?.close()}
              className="rounded px-3 py-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
            >
              Cancel
            </button>
            <button
              type="submit"
              disabled={!ready}
              data-testid="breaker-reset-submit"
              className="rounded bg-red-700 px-3 py-1.5 font-medium text-white disabled:opacity-40 dark:bg-red-600"
            >
              {pending ? 'Resetting…' : mode === 'create' ? 'Reset from now' : 'Reset and resume'}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
