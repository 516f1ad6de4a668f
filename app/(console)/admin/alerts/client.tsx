'use client';
// The Alerts page: webhook destinations (add, edit, delete, test, mute until a time), the event-loss
// threshold, and each destination's delivery log. Changes go to the mutation routes
// (POST /api/alerts/...), which check and audit them as every change is checked and audited.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import { Panel } from '@/components/ui/panel';
import { useNow } from '@/components/ui/use-now';
import { fetchJson } from '@/lib/client/fetch-json';
import { newIdempotencyKey } from '@/lib/client/idempotency-key';
import { useRefetchEvery } from '@/lib/client/use-refetch-every';
import { formatDuration } from '@/lib/format/time';
import {
  ALERT_KIND_LABELS,
  ALERT_KINDS,
  DEFAULT_MAX_PER_MINUTE,
  MAX_PER_MINUTE_LIMIT,
  WEBHOOK_FORMAT_LABELS,
  WEBHOOK_FORMATS,
  type AlertDestinationRow,
  type AlertEngineHere,
  type AlertEngineReplica,
  type AlertsOverview,
  type DeliveryLogRow,
} from '@/lib/queries/alerts-view';

const input = 'rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const button =
  'rounded border border-zinc-300 px-2 py-1 text-xs focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 disabled:opacity-50 dark:border-zinc-700';
const MUTE_CHOICES = [
  ['15m', 15],
  ['1h', 60],
  ['4h', 240],
  ['24h', 1_440],
] as const;

type Answer = { ok: boolean; text: string } | null;

/** Posts a change to its mutation route; the answer's message or error, as the user reads it. */
async function change(
  url: string,
  body: unknown,
  method: 'POST' | 'DELETE' = 'POST',
): Promise<{ ok: boolean; text: string }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => null)) as { ok?: boolean; message?: string; error?: string } | null;
  if (!answer) return { ok: false, text: `${url} answered HTTP ${response.status}` };
  return { ok: answer.ok === true, text: answer.ok ? (answer.message ?? 'done') : (answer.error ?? 'failed') };
}

function useChange() {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [answer, setAnswer] = useState<Answer>(null);
  const run = async (work: () => Promise<{ ok: boolean; text: string }>, after?: () => void) => {
    setPending(true);
    try {
      const result = await work();
      setAnswer(result);
      if (result.ok) after?.();
    } catch (error) {
      setAnswer({ ok: false, text: (error as Error).message });
    } finally {
      setPending(false);
      await queryClient.invalidateQueries({ queryKey: ['alerts'] });
    }
  };
  return { pending, answer, run };
}

function AnswerLine({ answer, testId }: { answer: Answer; testId: string }) {
  if (!answer) return null;
  return (
    <p
      role="status"
      data-testid={testId}
      data-ok={answer.ok}
      className={`text-sm ${answer.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}`}
    >
      {answer.text}
    </p>
  );
}

/** The form's fields as the routes take them. */
function destinationFields(form: HTMLFormElement) {
  const data = new FormData(form);
  return {
    name: String(data.get('name') ?? ''),
    url: String(data.get('url') ?? ''),
    format: String(data.get('format') ?? ''),
    kinds: data.getAll('kinds').map(String),
    enabled: data.get('enabled') === 'on',
    // Sent as typed: the route says what is wrong with "", 0 or 2.5.
    maxPerMinute: /^\d+$/.test(String(data.get('maxPerMinute') ?? '').trim())
      ? Number(String(data.get('maxPerMinute')).trim())
      : String(data.get('maxPerMinute') ?? ''),
  };
}

function DestinationForm({
  destination,
  onSubmit,
  pending,
  label,
}: {
  destination?: AlertDestinationRow;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  pending: boolean;
  label: string;
}) {
  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 text-sm" aria-label={label} noValidate>
      <label className="flex flex-col">
        Name
        <input name="name" maxLength={100} defaultValue={destination?.name} autoComplete="off" className={input} />
      </label>
      <label className="flex min-w-72 flex-1 flex-col">
        Webhook URL{destination ? ' (empty: keep)' : ''}
        <input
          name="url"
          type="text"
          inputMode="url"
          placeholder={destination ? destination.urlShown : 'https://hooks.slack.com/services/…'}
          autoComplete="off"
          className={input}
        />
      </label>
      <label className="flex flex-col">
        Format
        <select name="format" defaultValue={destination?.format ?? 'slack'} className={input}>
          {WEBHOOK_FORMATS.map((format) => (
            <option key={format} value={format}>
              {WEBHOOK_FORMAT_LABELS[format]}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="flex flex-col">
        <legend>Alerts</legend>
        {ALERT_KINDS.map((kind) => (
          <label key={kind} className="flex items-center gap-1">
            <input
              type="checkbox"
              name="kinds"
              value={kind}
              defaultChecked={destination ? destination.kinds.includes(kind) : true}
            />
            {ALERT_KIND_LABELS[kind]}
          </label>
        ))}
      </fieldset>
      <label className="flex flex-col">
        At most a minute
        <input
          name="maxPerMinute"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_PER_MINUTE_LIMIT}
          defaultValue={destination?.maxPerMinute ?? DEFAULT_MAX_PER_MINUTE}
          className={`${input} w-24`}
        />
      </label>
      <label className="flex items-center gap-1">
        <input type="checkbox" name="enabled" defaultChecked={destination?.enabled ?? true} />
        Enabled
      </label>
      <button
        type="submit"
        disabled={pending}
        className="rounded bg-zinc-900 px-3 py-1.5 text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900"
      >
        {pending ? 'Saving…' : destination ? 'Save' : 'Add destination'}
      </button>
    </form>
  );
}

function NewDestination() {
  const { pending, answer, run } = useChange();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    void run(
      () => change('/api/alerts/destinations', destinationFields(form)),
      () => form.reset(),
    );
  }
  return (
    <Panel title="New webhook destination" testId="new-destination">
      <DestinationForm onSubmit={submit} pending={pending} label="New webhook destination" />
      <div className="mt-2">
        <AnswerLine answer={answer} testId="destination-result" />
      </div>
    </Panel>
  );
}

const OUTCOME_CLASS: Record<DeliveryLogRow['outcome'], string> = {
  delivered: 'text-emerald-700 dark:text-emerald-400',
  retrying: 'text-amber-700 dark:text-amber-400',
  failed: 'text-red-700 dark:text-red-400',
  folded: 'text-sky-700 dark:text-sky-400',
  muted: 'text-zinc-500 dark:text-zinc-400',
};

function DeliveryLog({ rows }: { rows: DeliveryLogRow[] }) {
  if (rows.length === 0) return <p className="text-sm text-zinc-500 dark:text-zinc-400">Nothing sent yet.</p>;
  // Scrolls sideways on its own at a phone's width rather than widening the page.
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-zinc-500 dark:text-zinc-400">
          <tr>
            <th className="py-1 pr-3 font-medium">Time</th>
            <th className="pr-3 font-medium">Alert</th>
            <th className="pr-3 font-medium">Attempt</th>
            <th className="pr-3 font-medium">Outcome</th>
            <th className="font-medium">Answer</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.id}
              className="border-t border-zinc-100 dark:border-zinc-800"
              data-testid="delivery-row"
              data-kind={row.alertKind}
              data-outcome={row.outcome}
            >
              <td className="py-1 pr-3 whitespace-nowrap">
                <LocalTime at={row.at} />
              </td>
              <td className="pr-3">{row.alertTitle}</td>
              <td className="pr-3 tabular-nums">{row.attempt === 0 ? '—' : row.attempt}</td>
              <td className={`pr-3 ${OUTCOME_CLASS[row.outcome]}`}>{row.outcome}</td>
              <td className="tabular-nums">
                {row.statusCode !== null ? `HTTP ${row.statusCode}` : (row.error ?? '')}
                {row.durationMs !== null ? (
                  <span className="text-xs text-zinc-500 dark:text-zinc-400"> · {row.durationMs} ms</span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DestinationPanel({ destination, log }: { destination: AlertDestinationRow; log: DeliveryLogRow[] }) {
  const { pending, answer, run } = useChange();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const base = `/api/alerts/destinations/${destination.id}`;
  const now = useNow();
  const muted = destination.mutedUntil !== null && now !== null && destination.mutedUntil > now;
  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = destinationFields(event.currentTarget);
    const body: Record<string, unknown> = { ...fields };
    if (fields.url.trim() === '') delete body.url;
    void run(
      () => change(base, body),
      () => setEditing(false),
    );
  }
  return (
    <Panel
      title={
        <span>
          <span className="font-semibold text-zinc-900 dark:text-zinc-100">{destination.name}</span>
          <span className="ml-2 font-mono text-xs break-all">{destination.urlShown}</span>
        </span>
      }
      testId="destination"
      actions={
        <>
          <button
            type="button"
            className={button}
            disabled={pending}
            onClick={() => void run(() => change(`${base}/test`, {}))}
          >
            Send test
          </button>
          <button type="button" className={button} onClick={() => setEditing(!editing)}>
            {editing ? 'Cancel edit' : 'Edit'}
          </button>
          {confirming ? (
            <>
              <button
                type="button"
                className={`${button} text-red-700 dark:text-red-400`}
                disabled={pending}
                onClick={() => void run(() => change(base, undefined, 'DELETE'))}
              >
                Delete {destination.name}
              </button>
              <button type="button" className={button} onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className={button} onClick={() => setConfirming(true)}>
              Delete…
            </button>
          )}
        </>
      }
    >
      <div className="space-y-3" data-destination-name={destination.name}>
        <p className="text-sm">
          {WEBHOOK_FORMAT_LABELS[destination.format]} ·{' '}
          {destination.kinds.map((kind) => ALERT_KIND_LABELS[kind]).join(', ')} · at most {destination.maxPerMinute} a
          minute (more are summed up in one message) ·{' '}
          <span data-testid="destination-state">
            {!destination.enabled ? 'disabled' : muted ? 'muted until ' : 'enabled'}
            {destination.enabled && muted ? <LocalTime at={destination.mutedUntil} /> : null}
          </span>
        </p>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <span>Mute for</span>
          {MUTE_CHOICES.map(([label, minutes]) => (
            <button
              key={label}
              type="button"
              className={button}
              disabled={pending}
              onClick={() =>
                void run(() => change(`${base}/mute`, { until: new Date(Date.now() + minutes * 60_000).toISOString() }))
              }
            >
              {label}
            </button>
          ))}
          {muted ? (
            <button
              type="button"
              className={button}
              disabled={pending}
              onClick={() => void run(() => change(`${base}/mute`, { until: null }))}
            >
              Unmute
            </button>
          ) : null}
        </div>
        {editing ? (
          <DestinationForm
            destination={destination}
            onSubmit={save}
            pending={pending}
            label={`Edit ${destination.name}`}
          />
        ) : null}
        <AnswerLine answer={answer} testId="destination-action-result" />
        <h3 className="text-sm font-medium text-zinc-500 dark:text-zinc-400">Delivery log</h3>
        <DeliveryLog rows={log} />
      </div>
    </Panel>
  );
}

function Settings({ seconds }: { seconds: number }) {
  const { pending, answer, run } = useChange();
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void run(() => change('/api/alerts/settings', { eventLossWithin: String(data.get('eventLossWithin') ?? '') }));
  }
  return (
    <Panel title="Consumer at risk of losing events" testId="alert-settings">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2 text-sm" aria-label="Event-loss threshold">
        <label className="flex flex-col">
          Alert when a consumer&apos;s oldest unread change would be lost within (now {formatDuration(seconds)})
          <input name="eventLossWithin" placeholder="1h, 30m, 1d12h" autoComplete="off" className={input} />
        </label>
        <button type="submit" disabled={pending} className={button}>
          Set
        </button>
      </form>
      <div className="mt-2">
        <AnswerLine answer={answer} testId="settings-result" />
      </div>
    </Panel>
  );
}

/** Whether the alert engine runs on any replica, and on this one: a stopped engine said plainly, not an empty log. */
function EngineStatus({ engines, here }: { engines: AlertEngineReplica[]; here: AlertEngineHere | null }) {
  const running = engines.filter((engine) => engine.running);
  const newest = engines[0] ?? null;
  const hereLine =
    here && here.state !== 'running' ? (
      <p className="text-sm">
        On this replica ({here.replica}): {here.state === 'waiting' ? 'not running yet, ' : 'not running: '}
        {here.reason}.
      </p>
    ) : null;
  if (running.length > 0) {
    const lastLook = Math.max(...running.map((engine) => engine.beatAt));
    return (
      <div data-testid="engine-status" data-running="true" className="space-y-1 text-sm">
        <p>
          <span className="font-medium text-emerald-700 dark:text-emerald-400">Alert engine running</span> on{' '}
          {running.length === 1 ? 'one replica' : `${running.length} replicas`}
          {here?.state === 'running' && running.some((engine) => engine.replica === here.replica)
            ? ' (this one included)'
            : ''}
          ; last looked for alerts to send <RelativeTime at={lastLook} />.
        </p>
        {hereLine}
      </div>
    );
  }
  return (
    <div data-testid="engine-status" data-running="false" role="alert" className="space-y-1 text-sm">
      <p className="font-medium text-red-700 dark:text-red-400">
        The alert engine is not running on any replica: no alert is raised or sent, and the delivery logs below stay
        empty for that reason, not because all is quiet.
      </p>
      <p>
        {newest === null ? (
          'No replica has run it on this console database yet.'
        ) : (
          <>
            It last looked for alerts to send <RelativeTime at={newest.beatAt} /> (<LocalTime at={newest.beatAt} />, on{' '}
            {newest.replica}){newest.stoppedAt !== null ? ', when that server stopped' : ''}.
          </>
        )}
      </p>
      {hereLine}
    </div>
  );
}

export function AlertsClient({
  initial,
  initialError,
}: {
  initial: AlertsOverview | null;
  initialError: string | null;
}) {
  const query = useQuery({
    queryKey: ['alerts'],
    queryFn: () => fetchJson<AlertsOverview>('/api/alerts'),
    initialData: initial ?? undefined,
  });
  // The log fills as deliveries are attempted on any replica: read again every 3 s.
  useRefetchEvery(['alerts'], 3_000);
  const overview = query.data;
  const error = query.error?.message ?? initialError;
  if (!overview) return <Panel state={error ? 'error' : 'loading'} error={error ?? undefined} />;
  return (
    <div className="space-y-4">
      <Panel title="Alert engine" testId="alert-engine">
        <EngineStatus engines={overview.engines} here={overview.engineHere} />
      </Panel>
      <Settings seconds={overview.eventLossWithinSeconds} />
      <NewDestination />
      {overview.destinations.length === 0 ? (
        <Panel state="empty" emptyText="No webhook destination yet: alerts are raised and kept, and sent nowhere." />
      ) : (
        overview.destinations.map((destination) => (
          <DestinationPanel
            key={destination.id}
            destination={destination}
            log={overview.log.filter((row) => row.destinationId === destination.id)}
          />
        ))
      )}
    </div>
  );
}
