'use client';
// The node page's maintenance opt-out, inside the Cluster panel: whether the node is out of
// NVSentinel's hands, until when, by whom and why; for operators "Take out of NVSentinel…" (a
// duration or an end time, and a reason) and "Put back now", which sends the since of the opt-out it
// showed when its dialog opened, so another operator's newer opt-out is not ended unseen. An opt-out
// made outside the console (kubectl, janitor's external remediation) is shown and never offered to end.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, useTransition } from 'react';

import { useCan } from '@/components/auth/actor-context';
import { useDisplayZone } from '@/components/ui/display-zone';
import { LocalTime } from '@/components/ui/relative-time';
import type { MutationResult } from '@/lib/actions/mutation';
import { optInNode, optOutNode } from '@/lib/actions/server-actions';
import type { NodeOptOut } from '@/lib/cluster/opt-out-record';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';
import { fromZoneInput } from '@/lib/format/time';
import {
  JANITOR_OPT_OUT_LABEL as JANITOR_LABEL,
  OPT_OUT_DURATIONS,
  OPT_OUT_MAX_MS,
  OPT_OUT_MIN_MS,
  parseDuration,
  spanText,
} from '@/lib/queries/opt-out-view';
const buttonClass =
  'rounded px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 disabled:cursor-not-allowed disabled:opacity-50';
const fieldClass =
  'mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950';

/** The opt-out in words. */
function OptOutState({ optOut }: { optOut: NodeOptOut | null }) {
  const mine = optOut?.console;
  const outside = optOut?.outside ?? [];
  return (
    <div
      className="space-y-1"
      data-testid="opt-out-state"
      data-opt-out={mine ? 'console' : outside.length > 0 ? 'outside' : 'managed'}
    >
      {mine ? (
        <p className="text-violet-900 dark:text-violet-200">
          <span className="font-medium">
            Opted out until {mine.until === null ? 'an unreadable time' : <LocalTime at={mine.until} />}
          </span>{' '}
          by <span className="font-mono">{mine.by}</span>: “{mine.reason}”. New faults do not quarantine it (forced
          quarantines still do); the console puts it back then.
        </p>
      ) : null}
      {outside.filter((label) => label !== JANITOR_LABEL).length > 0 ? (
        <p className="text-amber-800 dark:text-amber-300">
          Opted out by someone else (label set outside the console): new faults do not quarantine it. The console does
          not end this opt-out.
        </p>
      ) : null}
      {outside.includes(JANITOR_LABEL) ? (
        <p className="text-amber-800 dark:text-amber-300">
          Held by janitor&apos;s external remediation ({JANITOR_LABEL}=false) until its ExternalRemediationRequest ends.
        </p>
      ) : null}
      {optOut?.leftOver ? (
        <p className="text-zinc-600 dark:text-zinc-400">
          The console&apos;s opt-out was ended outside the console; its record is removed at the next check.
        </p>
      ) : null}
      {!mine && outside.length === 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">Managed by NVSentinel: new faults quarantine it.</p>
      ) : null}
    </div>
  );
}

export function OptOutControl({ nodeName, optOut }: { nodeName: string; optOut: NodeOptOut | null }) {
  const mayAct = useCan('nodes:opt-out');
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<'out' | 'in'>('out');
  const [duration, setDuration] = useState<string>('2h');
  const [until, setUntil] = useState('');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<MutationResult | null>(null);
  /** The opt-out "Put back now" was opened on: its since (RFC 3339), null when unreadable. */
  const [shownSince, setShownSince] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  // Out by the label the console writes, by anyone: nothing to add (the console's own can be put back).
  const labelledOut = Boolean(optOut?.console) || optOut?.outside.some((label) => label !== JANITOR_LABEL);

  const open = (next: 'out' | 'in') => {
    setMode(next);
    setReason('');
    setUntil('');
    setResult(null);
    const since = optOut?.console?.since ?? null;
    setShownSince(since === null ? null : new Date(since).toISOString());
    dialog.current?.showModal();
  };
  const custom = duration === 'custom';
  // The end is a clock in the zone the page shows times in (the viewer's, or UTC).
  const zone = useDisplayZone();
  const untilMs = custom && until ? fromZoneInput(until, zone) : NaN;
  const reasonOk = reason.trim().length >= 3 && reason.trim().length <= 500;
  const timeOk = mode === 'in' || !custom || !Number.isNaN(untilMs);
  const submit = () =>
    startTransition(async () => {
      const base = { nodeName, reason, idempotencyKey: newIdempotencyKey() };
      const outcome =
        mode === 'in'
          ? await optInNode({ ...base, since: shownSince })
          : await optOutNode(custom ? { ...base, until: new Date(untilMs).toISOString() } : { ...base, duration });
      setResult(outcome);
      if (!outcome.ok) return;
      dialog.current?.close();
      await queryClient.invalidateQueries({ queryKey: ['node', nodeName] });
    });

  return (
    <div className="space-y-2 border-t border-zinc-200 pt-2 dark:border-zinc-800" data-testid="opt-out">
      <OptOutState optOut={optOut} />
      {mayAct ? (
        <div className="flex flex-wrap items-center gap-2">
          {optOut?.console ? (
            <button
              type="button"
              onClick={() => open('in')}
              disabled={pending}
              data-testid="opt-in-open"
              className={`${buttonClass} bg-sky-700 text-white hover:bg-sky-800`}
            >
              Put back now
            </button>
          ) : !labelledOut ? (
            <button
              type="button"
              onClick={() => open('out')}
              disabled={pending}
              data-testid="opt-out-open"
              className={`${buttonClass} border border-violet-700 text-violet-800 hover:bg-violet-50 dark:border-violet-400 dark:text-violet-200 dark:hover:bg-violet-950`}
            >
              Take out of NVSentinel…
            </button>
          ) : null}
          {/* A refusal is shown in the dialog, which stays open. */}
          {result?.ok ? (
            <p role="status" data-testid="opt-out-result" className="text-sm text-emerald-700 dark:text-emerald-400">
              {result.message}
            </p>
          ) : null}
        </div>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby="opt-out-title"
        data-testid="opt-out-dialog"
        className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg border border-zinc-200 bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form
          method="dialog"
          onSubmit={(event) => {
            event.preventDefault();
            if (reasonOk && timeOk && !pending) submit();
          }}
          className="space-y-3"
        >
          <h2 id="opt-out-title" className="text-lg font-semibold">
            {mode === 'out' ? 'Take ' : 'Put '}
            <span className="font-mono break-all">{nodeName}</span>
            {mode === 'out' ? ' out of NVSentinel' : ' back into NVSentinel'}
          </h2>
          <p className="text-sm break-words text-zinc-600 dark:text-zinc-400">
            {mode === 'out'
              ? `Labels it k8saas.nvidia.com/ManagedByNVSentinel=false: fault-quarantine's rules skip its new faults (a forced quarantine still applies, and an open quarantine still ends on recovery). The console puts it back when the time ends (${spanText(OPT_OUT_MIN_MS)} to ${spanText(OPT_OUT_MAX_MS)}).`
              : 'Restores the label as it was before the opt-out: new faults quarantine it again.'}
          </p>
          {mode === 'out' ? (
            <fieldset className="space-y-2 text-sm">
              <legend className="mb-1">For how long</legend>
              <div className="flex flex-wrap gap-1" role="radiogroup" aria-label="Duration">
                {[...OPT_OUT_DURATIONS, 'custom'].map((choice) => (
                  <label
                    key={choice}
                    className="cursor-pointer rounded border border-zinc-300 px-2 py-1 has-checked:border-violet-700 has-checked:bg-violet-50 dark:border-zinc-700 dark:has-checked:border-violet-400 dark:has-checked:bg-violet-950"
                  >
                    <input
                      type="radio"
                      name="opt-out-duration"
                      value={choice}
                      checked={duration === choice}
                      onChange={() => setDuration(choice)}
                      data-testid={`opt-out-duration-${choice}`}
                      className="sr-only"
                    />
                    {choice === 'custom' ? 'Until…' : spanText(parseDuration(choice) ?? 0)}
                  </label>
                ))}
              </div>
              {custom ? (
                <label className="block">
                  Until ({zone})
                  <input
                    type="datetime-local"
                    value={until}
                    onChange={(event) => setUntil(event.target.value)}
                    required
                    data-testid="opt-out-until"
                    className={fieldClass}
                  />
                </label>
              ) : null}
            </fieldset>
          ) : null}
          <label className="block text-sm">
            Reason (3 to 500 characters)
            <textarea
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              maxLength={500}
              required
              rows={3}
              data-testid="opt-out-reason"
              className={fieldClass}
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
              disabled={!reasonOk || !timeOk || pending}
              data-testid="opt-out-submit"
              className="rounded bg-zinc-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900"
            >
              {pending ? 'Working…' : mode === 'out' ? 'Take out' : 'Put back'}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
