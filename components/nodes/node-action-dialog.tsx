'use client';
// Quarantine or release with a reason and a confirmation that names the node. The button stays
// put while data refreshes underneath; it is disabled while the action runs.
import { useRef, useState, useTransition } from 'react';

import { quarantineNode, releaseNode } from '@/lib/actions/server-actions';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';
import type { MutationResult } from '@/lib/actions/mutation';

export function NodeActionButton({
  nodeName,
  action,
  disabledReason,
}: {
  nodeName: string;
  action: 'quarantine' | 'release' | null;
  disabledReason?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [confirmName, setConfirmName] = useState('');
  const [result, setResult] = useState<MutationResult | null>(null);
  const [pending, startTransition] = useTransition();
  const [chosen, setChosen] = useState<'quarantine' | 'release'>('quarantine');
  const verb = chosen === 'quarantine' ? 'Quarantine' : 'Release';

  const open = () => {
    if (!action) return;
    setChosen(action);
    setReason('');
    setConfirmName('');
    setResult(null);
    dialog.current?.showModal();
  };
  const submit = () => {
    startTransition(async () => {
      const outcome = await (chosen === 'quarantine' ? quarantineNode : releaseNode)({
        nodeName,
        reason,
        idempotencyKey: newIdempotencyKey(),
      });
      setResult(outcome);
      if (outcome.ok) dialog.current?.close();
    });
  };
  const reasonOk = reason.trim().length >= 3 && reason.trim().length <= 500;

  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        onClick={open}
        disabled={!action || pending}
        title={!action ? disabledReason : undefined}
        data-testid="node-action"
        className={`min-w-32 rounded px-3 py-1.5 text-sm font-medium text-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 disabled:cursor-not-allowed disabled:opacity-50 ${action === 'release' ? 'bg-sky-700 hover:bg-sky-800' : 'bg-orange-700 hover:bg-orange-800'}`}
      >
        {action === 'release' ? 'Release' : action === 'quarantine' ? 'Quarantine' : (disabledReason ?? 'Quarantine')}
      </button>
      {result ? (
        <p
          role={result.ok ? 'status' : 'alert'}
          data-testid="action-result"
          className={`max-w-md text-right text-sm break-words ${result.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-600 dark:text-red-400'}`}
        >
          {result.ok ? result.message : result.error}
        </p>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby="node-action-title"
        data-testid="node-action-dialog"
        className="m-auto max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] max-w-md overflow-y-auto rounded-lg border border-zinc-200 bg-white p-4 text-zinc-900 shadow-xl backdrop:bg-black/40 sm:p-5 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            if (reasonOk && confirmName === nodeName && !pending) submit();
          }}
          className="space-y-3"
        >
          <h2 id="node-action-title" className="text-lg font-semibold">
            {verb} <span className="font-mono break-all">{nodeName}</span>?
          </h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {chosen === 'quarantine'
              ? 'fault-quarantine will cordon the node and node-drainer will evict its pods.'
              : 'The quarantine session is marked Cancelled, as NVSentinel does when an operator uncordons a node.'}
          </p>
          <label className="block text-sm">
            Reason (3 to 500 characters)
            <textarea
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              maxLength={500}
              required
              rows={3}
              data-testid="action-reason"
              className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
            />
          </label>
          <label className="block text-sm">
            Type the node name to confirm
            <input
              value={confirmName}
              onChange={(event) => setConfirmName(event.target.value)}
              data-testid="action-confirm-name"
              autoComplete="off"
              className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-950"
            />
          </label>
          {result && !result.ok ? (
            <p role="alert" className="text-sm text-red-600 dark:text-red-400">
              {result.error}
            </p>
          ) : null}
          <div className="flex flex-wrap justify-end gap-2">
            <button
              type="button"
              onClick={() => dialog.current?.close()}
              className="rounded px-3 py-1.5 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
            >
              Cancel
            </button>
            <button
              type="submit"
              disabled={!reasonOk || confirmName !== nodeName || pending}
              data-testid="action-submit"
              className="rounded bg-zinc-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900"
            >
              {pending ? `${verb === 'Quarantine' ? 'Quarantining' : 'Releasing'}…` : verb}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
