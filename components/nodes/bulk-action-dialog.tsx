'use client';
// A bulk quarantine or release in three steps: the dry run (how many, which, which are refused and
// why, and before a quarantine NVSentinel's circuit breaker), then a reason and a typed
// confirmation ("QUARANTINE 3"), then a result per node. The real run sends the names the dry run
// listed, so it acts on what the operator saw, not on what a filter matches a minute later.
import { useRef, useState, useTransition } from 'react';

import type { BulkNodeResult } from '@/lib/actions/bulk-node-actions';
import type { BulkNodePlan, BulkOperation } from '@/lib/actions/bulk-node-plan';
import { bulkQuarantineNodes, bulkReleaseNodes } from '@/lib/actions/server-actions';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';

import { BreakerOutlook } from './bulk-breaker-outlook';

/**
 * What the dialog is asked to act on: names, or every node the page's filter matches except the
 * ones the operator unticked (left out of the dry run's plan here; the real run sends its names).
 */
export type BulkSelection = { nodes: string[] } | { filter: string; except?: readonly string[] };

type Step =
  | { kind: 'planning' }
  | { kind: 'plan'; plan: BulkNodePlan }
  | { kind: 'done'; result: Extract<BulkNodeResult, { dryRun: false }> }
  | { kind: 'failed'; error: string };

const VERBS = { quarantine: 'Quarantine', release: 'Release' } as const;
const run = (operation: BulkOperation, input: Record<string, unknown>) =>
  (operation === 'quarantine' ? bulkQuarantineNodes : bulkReleaseNodes)(input);

export function useBulkActionDialog(onDone: () => void) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [operation, setOperation] = useState<BulkOperation>('quarantine');
  const [step, setStep] = useState<Step>({ kind: 'planning' });
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const [pending, startTransition] = useTransition();
  /** Which opening the dialog shows: an answer to an earlier one (a slow dry run) is ignored. */
  const opening = useRef(0);

  const open = (chosen: BulkOperation, selection: BulkSelection) => {
    const current = ++opening.current;
    setOperation(chosen);
    setStep({ kind: 'planning' });
    setReason('');
    setConfirm('');
    dialog.current?.showModal();
    startTransition(async () => {
      try {
        const answer = await run(
          chosen,
          'filter' in selection ? { filter: selection.filter, dryRun: true } : { nodes: selection.nodes, dryRun: true },
        );
        if (current !== opening.current) return;
        if (!answer.ok) setStep({ kind: 'failed', error: answer.error });
        else if (answer.dryRun) {
          const except = new Set('filter' in selection ? selection.except : []);
          const kept = ({ name }: { name: string }) => !except.has(name);
          setStep({
            kind: 'plan',
            plan: { ...answer, act: answer.act.filter(kept), refused: answer.refused.filter(kept) },
          });
        }
      } catch (error) {
        if (current !== opening.current) return;
        setStep({ kind: 'failed', error: `the dry run could not be asked: ${(error as Error).message}` });
      }
    });
  };

  const plan = step.kind === 'plan' ? step.plan : null;
  const verb = VERBS[plan?.operation ?? operation];
  const phrase = plan ? `${verb.toUpperCase()} ${plan.act.length}` : '';
  const reasonOk = reason.trim().length >= 3 && reason.trim().length <= 500;
  // More nodes than the user's changes a minute would be refused as a whole (PlanView says why).
  const withinRate = plan !== null && plan.act.length <= plan.rateLimit;
  const ready = plan !== null && plan.act.length > 0 && withinRate && reasonOk && confirm.trim() === phrase && !pending;
  const submit = () => {
    if (!plan || !ready) return;
    const current = opening.current;
    const { operation: planned } = plan;
    startTransition(async () => {
      try {
        const answer = await run(planned, {
          nodes: plan.act.map((node) => node.name),
          reason,
          idempotencyKey: newIdempotencyKey(),
        });
        if (current !== opening.current) return;
        if (!answer.ok) setStep({ kind: 'failed', error: answer.error });
        else if (!answer.dryRun) setStep({ kind: 'done', result: answer });
      } catch (error) {
        if (current !== opening.current) return;
        setStep({ kind: 'failed', error: `the ${planned} could not be sent: ${(error as Error).message}` });
      }
    });
  };
  // Closing after a run (Close or Escape) clears the selection (onClose below).
  const close = () => dialog.current?.close();

  const element = (
    <dialog
      ref={dialog}
      aria-labelledby="bulk-action-title"
      data-testid="bulk-dialog"
      data-step={step.kind}
      onClose={() => step.kind === 'done' && onDone()}
      className="m-auto max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] max-w-lg overflow-y-auto rounded-lg border border-zinc-200 bg-white p-4 text-zinc-900 shadow-xl backdrop:bg-black/40 sm:p-5 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
        className="space-y-3 text-sm"
      >
        <h2 id="bulk-action-title" className="text-lg font-semibold">
          {verb} nodes
        </h2>
        {step.kind === 'planning' ? (
          <p className="animate-pulse text-zinc-500 dark:text-zinc-400">Dry run: reading the nodes…</p>
        ) : null}
        {step.kind === 'failed' ? (
          <p role="alert" data-testid="bulk-error" className="break-words text-red-600 dark:text-red-400">
            {step.error}
          </p>
        ) : null}
        {plan ? <PlanView plan={plan} verb={verb} /> : null}
        {plan && plan.act.length > 0 ? (
          <>
            <label className="block">
              Reason (3 to 500 characters, recorded for each node)
              <textarea
                value={reason}
                onChange={(event) => setReason(event.target.value)}
                maxLength={500}
                required
                rows={2}
                data-testid="bulk-reason"
                className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
              />
            </label>
            <label className="block">
              Type <span className="font-mono font-semibold">{phrase}</span> to confirm
              <input
                value={confirm}
                onChange={(event) => setConfirm(event.target.value)}
                data-testid="bulk-confirm"
                autoComplete="off"
                className="mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 font-mono dark:border-zinc-700 dark:bg-zinc-950"
              />
            </label>
          </>
        ) : null}
        {step.kind === 'done' ? <ResultsView result={step.result} /> : null}
        <div className="flex flex-wrap justify-end gap-2">
          <button
            type="button"
            onClick={close}
            data-testid="bulk-close"
            className="rounded px-3 py-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          >
            {step.kind === 'done' ? 'Close' : 'Cancel'}
          </button>
          {plan && plan.act.length > 0 ? (
            <button
              type="submit"
              disabled={!ready}
              data-testid="bulk-submit"
              className="rounded bg-zinc-900 px-3 py-1.5 font-medium text-white disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900"
            >
              {pending ? `${verb === 'Quarantine' ? 'Quarantining' : 'Releasing'}…` : `${verb} ${plan.act.length}`}
            </button>
          ) : null}
        </div>
      </form>
    </dialog>
  );
  return { open, element };
}

function PlanView({ plan, verb }: { plan: BulkNodePlan; verb: string }) {
  return (
    <div className="space-y-2" data-testid="bulk-plan" data-act={plan.act.length} data-refused={plan.refused.length}>
      <p className="font-medium" data-testid="bulk-plan-count">
        {plan.act.length === 0
          ? `Nothing to ${verb.toLowerCase()}: every node would be refused.`
          : `${verb} ${plan.act.length} node${plan.act.length === 1 ? '' : 's'}:`}
      </p>
      {plan.act.length > 0 ? (
        <ul className="max-h-32 overflow-y-auto font-mono text-xs break-all" data-testid="bulk-plan-act">
          {plan.act.map((node) => (
            <li key={node.name} data-node={node.name}>
              {node.name}
            </li>
          ))}
        </ul>
      ) : null}
      {plan.refused.length > 0 ? (
        <div>
          <p className="text-amber-700 dark:text-amber-400">
            {plan.refused.length} would be refused and left as they are:
          </p>
          <ul className="max-h-32 overflow-y-auto text-xs" data-testid="bulk-plan-refused">
            {plan.refused.map((node) => (
              <li key={node.name} data-node={node.name} className="break-words">
                <span className="font-mono">{node.name}</span>: {node.why}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {plan.breaker ? <BreakerOutlook breaker={plan.breaker} /> : null}
      {plan.operation === 'quarantine' && !plan.breaker ? (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          No cluster access: the circuit breaker cannot be read.
        </p>
      ) : null}
      {plan.act.length > plan.rateLimit ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          More than the {plan.rateLimit} changes a minute a user may make: select at most {plan.rateLimit}.
        </p>
      ) : null}
    </div>
  );
}

function ResultsView({ result }: { result: Extract<BulkNodeResult, { dryRun: false }> }) {
  return (
    <div className="space-y-1" data-testid="bulk-results" data-done={result.done} data-refused={result.refused}>
      <p className="font-medium" role="status">
        {result.done} of {result.results.length} done{result.refused ? `, ${result.refused} refused` : ''}.
      </p>
      <ul className="max-h-64 space-y-1 overflow-y-auto text-xs">
        {result.results.map((node) => (
          <li
            key={node.name}
            data-testid="bulk-result"
            data-node={node.name}
            data-ok={node.ok}
            className={`break-words ${node.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-600 dark:text-red-400'}`}
          >
            <span className="font-mono">{node.name}</span>: {node.ok ? node.message : node.error}
          </li>
        ))}
      </ul>
    </div>
  );
}
