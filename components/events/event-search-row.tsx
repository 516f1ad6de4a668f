'use client';
// One event of the search: time, node (a link to its node page at the event), check, XID, the
// entity it impacted, severity, recommended action and message; the entity (a GPU) or the chevron
// opens the event in place, with every field and the links to its node page and to that entity's
// other events.
import Link from 'next/link';
import { useState } from 'react';

import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import { useNow } from '@/components/ui/use-now';
import {
  entityLabel,
  eventSearchHref,
  narrowedSearch,
  nodeEventHref,
  isMarkedFatalRecovery,
  MARKED_FATAL_NOTE,
  severityOf,
  type EventParams,
  type EventSearchRow,
} from '@/lib/queries/events-view';
import { enumLabel } from '@/lib/store/model';

import { SEVERITY_STYLE } from './severity-style';

const COLUMNS = 8;
const link = 'text-sky-700 hover:underline dark:text-sky-400';

export function EventSearchRowView({ event, params }: { event: EventSearchRow; params: EventParams }) {
  const [open, setOpen] = useState(false);
  const now = useNow();
  const severity = severityOf(event);
  const nodeHref = nodeEventHref(event, now ?? event.createdAt);
  const entity = event.entities[0];
  const toggle = () => setOpen(!open);
  return (
    <>
      <tr
        className="border-t border-zinc-100 align-top dark:border-zinc-800"
        data-testid="event-search-row"
        data-node={event.nodeName}
        data-record-id={event.recordId}
      >
        <td className="py-1.5 pr-3 pl-3 whitespace-nowrap">
          <button
            type="button"
            onClick={toggle}
            aria-expanded={open}
            aria-label={`${open ? 'Close' : 'Open'} this event`}
            className="mr-1 rounded text-zinc-500 dark:text-zinc-400 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500"
          >
            {open ? '▾' : '▸'}
          </button>
          <RelativeTime at={event.createdAt} />
        </td>
        <td className="pr-3 font-mono text-xs whitespace-nowrap">
          <Link href={nodeHref} className={link} data-testid="event-node-link">
            {event.nodeName}
          </Link>
        </td>
        <td className="pr-3">{event.checkName}</td>
        <td className="pr-3 tabular-nums">{event.errorCode.join(', ') || '—'}</td>
        <td className="pr-3 whitespace-nowrap">
          {entity ? (
            <button
              type="button"
              onClick={toggle}
              aria-expanded={open}
              title={`Open this event of ${entityLabel(entity)}`}
              className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs text-zinc-800 hover:bg-zinc-200 focus-visible:outline focus-visible:outline-2 focus-visible:outline-sky-500 dark:bg-zinc-800 dark:text-zinc-200 dark:hover:bg-zinc-700"
              data-testid="event-entity"
            >
              {entityLabel(entity)}
              {event.entities.length > 1 ? ` +${event.entities.length - 1}` : ''}
            </button>
          ) : (
            '—'
          )}
        </td>
        <td className={`pr-3 whitespace-nowrap ${SEVERITY_STYLE[severity]}`} data-testid="event-severity">
          {severity}
          {isMarkedFatalRecovery(event) ? (
            <span className={`ml-1 text-xs ${SEVERITY_STYLE.fatal}`} title={MARKED_FATAL_NOTE}>
              (marked fatal)
            </span>
          ) : null}
        </td>
        <td className="pr-3 text-xs">{enumLabel(event.recommendedAction)}</td>
        <td className="max-w-xs truncate pr-3" title={event.message}>
          {event.message}
        </td>
      </tr>
      {open ? (
        <tr className="bg-zinc-50 dark:bg-zinc-950/40" data-testid="event-details">
          <td colSpan={COLUMNS} className="px-3 py-2">
            <div className="mb-2 flex flex-wrap gap-x-4 gap-y-1 text-sm">
              <Link href={nodeHref} className={link} data-testid="event-open-node">
                Open on the node page of {event.nodeName}
              </Link>
              {event.entities.map((item) => (
                <Link
                  key={`${item.entityType}:${item.entityValue}`}
                  href={eventSearchHref(narrowedSearch(params, event.nodeName, item))}
                  className={link}
                >
                  Events of {entityLabel(item)} on {event.nodeName}
                </Link>
              ))}
            </div>
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs">
              <Field name="Entities" value={event.entities.map(entityLabel).join(', ') || '—'} />
              <Field name="XID / error codes" value={event.errorCode.join(', ') || '—'} />
              <Field name="Message" value={event.message || '—'} />
              <Field name="Stored" value={<LocalTime at={event.createdAt} />} />
              <Field name="Generated" value={event.generatedAt ? <LocalTime at={event.generatedAt} /> : '—'} />
              <Field name="Agent" value={event.agent} />
              <Field name="Component class" value={event.componentClass || '—'} />
              <Field
                name="Recommended action"
                value={
                  enumLabel(event.recommendedAction) +
                  (event.customRecommendedAction ? ` (${event.customRecommendedAction})` : '')
                }
              />
              <Field
                name="Quarantine"
                value={event.status.nodeQuarantined ? enumLabel(event.status.nodeQuarantined) : 'not processed'}
              />
              <Field
                name="Drain"
                value={`${event.status.eviction ? enumLabel(event.status.eviction) : 'not started'} ${event.status.evictionMessage}`.trim()}
              />
              <Field
                name="Remediation"
                value={
                  event.status.remediated === null ? 'not processed' : event.status.remediated ? 'remediated' : 'failed'
                }
              />
              <Field name="Record id" value={<span className="font-mono">{event.recordId}</span>} />
            </dl>
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Field({ name, value }: { name: string; value: React.ReactNode }) {
  return (
    <>
      <dt className="text-zinc-500 dark:text-zinc-400">{name}</dt>
      <dd className="break-all">{value}</dd>
    </>
  );
}
