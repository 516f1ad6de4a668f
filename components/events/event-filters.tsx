'use client';
// The search's filters as a form: what it shows comes from the URL, and Search writes the URL
// (the page reads it back), so every search is a link. A bad value is the server's to refuse, with
// a message naming it, shown in place of the results.
import { useState, type FormEvent } from 'react';

import { useNow } from '@/components/ui/use-now';
import {
  DEFAULT_EVENT_RANGE,
  EVENT_RANGE_NAMES,
  EVENT_SEVERITY_FILTERS,
  type EventParams,
  type EventSeverityFilter,
} from '@/lib/queries/events-view';
import { RECOMMENDED_ACTIONS } from '@/lib/store/model';

const input =
  'mt-1 w-full rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const label = 'flex flex-col text-xs text-zinc-600 dark:text-zinc-400';
const CUSTOM = 'custom';
const SEVERITY_LABELS: Record<EventSeverityFilter, string> = {
  fatal: 'fatal',
  unhealthy: 'unhealthy',
  healthy: 'healthy',
  'non-fatal': 'non-fatal (unhealthy or healthy)',
};

/** An ISO time as a datetime-local input shows it: the viewer's clock, to the minute. */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A datetime-local value (the viewer's clock) as an ISO time with its zone. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}

export function EventFilters({ params, onSearch }: { params: EventParams; onSearch: (next: EventParams) => void }) {
  const [custom, setCustom] = useState(Boolean(params.from));
  // The viewer's time zone is known only in the browser: the from/to fields fill in after hydration.
  const mounted = useNow() !== null;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const time = value('time');
    onSearch({
      xid: value('xid'),
      check: value('check'),
      agent: value('agent'),
      component: value('component'),
      entity: value('entity'),
      severity: value('severity'),
      action: value('action'),
      node: value('node'),
      ...(time === CUSTOM
        ? { from: isoOf(value('from') ?? ''), to: isoOf(value('to') ?? '') }
        : { range: time ?? DEFAULT_EVENT_RANGE }),
      view: params.view,
      limit: params.limit,
    });
  }

  return (
    <form
      onSubmit={submit}
      aria-label="Search events"
      className="grid grid-cols-2 items-end gap-2 sm:grid-cols-3 lg:grid-cols-6"
      data-testid="event-filters"
    >
      <label className={label}>
        XID
        <input name="xid" inputMode="numeric" defaultValue={params.xid ?? ''} placeholder="79" className={input} />
      </label>
      <label className={label}>
        Entity
        <input name="entity" defaultValue={params.entity ?? ''} placeholder="GPU:3" className={input} />
      </label>
      <label className={`${label} col-span-2 sm:col-span-1 lg:col-span-2`}>
        Node (a name, or its start and *)
        <input
          name="node"
          defaultValue={params.node ?? ''}
          placeholder="gpu-node-0001 or gpu-node-*"
          className={input}
        />
      </label>
      <label className={label}>
        Check
        <input name="check" defaultValue={params.check ?? ''} placeholder="SysLogsXIDError" className={input} />
      </label>
      <label className={label}>
        Agent
        <input name="agent" defaultValue={params.agent ?? ''} placeholder="syslog-health-monitor" className={input} />
      </label>
      <label className={label}>
        Component class
        <input name="component" defaultValue={params.component ?? ''} placeholder="GPU" className={input} />
      </label>
      <label className={label}>
        Severity
        <select name="severity" defaultValue={params.severity ?? ''} className={input}>
          <option value="">any</option>
          {EVENT_SEVERITY_FILTERS.map((severity) => (
            <option key={severity} value={severity}>
              {SEVERITY_LABELS[severity]}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        Recommended action
        <select name="action" defaultValue={params.action ?? ''} className={input}>
          <option value="">any</option>
          {Object.keys(RECOMMENDED_ACTIONS).map((action) => (
            <option key={action} value={action}>
              {action}
            </option>
          ))}
        </select>
      </label>
      <label className={label}>
        Time
        <select
          name="time"
          defaultValue={params.from ? CUSTOM : (params.range ?? DEFAULT_EVENT_RANGE)}
          onChange={(event) => setCustom(event.target.value === CUSTOM)}
          className={input}
          data-testid="event-time"
        >
          {EVENT_RANGE_NAMES.map((range) => (
            <option key={range} value={range}>
              last {range}
            </option>
          ))}
          <option value={CUSTOM}>from … to …</option>
        </select>
      </label>
      {custom ? (
        <>
          <label className={label}>
            From (your time)
            <input
              key={`from-${mounted}`}
              name="from"
              type="datetime-local"
              defaultValue={mounted ? localInput(params.from) : ''}
              className={input}
            />
          </label>
          <label className={label}>
            To (empty: now)
            <input
              key={`to-${mounted}`}
              name="to"
              type="datetime-local"
              defaultValue={mounted ? localInput(params.to) : ''}
              className={input}
            />
          </label>
        </>
      ) : null}
      <div className="flex items-end gap-2">
        <button
          type="submit"
          className="rounded bg-zinc-900 px-3 py-1.5 text-sm text-white dark:bg-zinc-100 dark:text-zinc-900"
          data-testid="event-search-submit"
        >
          Search
        </button>
      </div>
    </form>
  );
}
