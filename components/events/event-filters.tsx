'use client';
// The search's filters as a form: what it shows comes from the URL, and Search writes the URL
// (the page reads it back), so every search is a link. A bad value is the server's to refuse, with
// a message naming it, shown in place of the results.
import { useState, type FormEvent } from 'react';

import { useDisplayZone } from '@/components/ui/display-zone';
import { fromZoneInput, toZoneInput } from '@/lib/format/time';
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

/** An ISO time as a datetime-local input shows it: a clock in the page's zone, to the minute. */
function zoneInput(iso: string | undefined, zone: string): string {
  return iso ? toZoneInput(Date.parse(iso), zone) : '';
}

/** A datetime-local value (a clock in the page's zone) as an ISO time; one the zone cannot read goes as typed, for the server to name. */
function isoOf(value: string, zone: string): string | undefined {
  if (!value) return undefined;
  const at = fromZoneInput(value, zone);
  return Number.isNaN(at) ? value : new Date(at).toISOString();
}

export function EventFilters({ params, onSearch }: { params: EventParams; onSearch: (next: EventParams) => void }) {
  const [custom, setCustom] = useState(Boolean(params.from));
  // From and To are clocks in the zone every time on the page is shown in (the header's UTC switch).
  const zone = useDisplayZone();

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
        ? { from: isoOf(value('from') ?? '', zone), to: isoOf(value('to') ?? '', zone) }
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
            From ({zone})
            <input
              // Read again when the zone changes: the field shows a clock in it.
              key={`from-${zone}`}
              name="from"
              type="datetime-local"
              defaultValue={zoneInput(params.from, zone)}
              className={input}
            />
          </label>
          <label className={label}>
            To ({zone}; empty: now)
            <input
              key={`to-${zone}`}
              name="to"
              type="datetime-local"
              defaultValue={zoneInput(params.to, zone)}
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
