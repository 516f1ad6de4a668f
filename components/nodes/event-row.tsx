'use client';
// One event of a node's page: a row of its main fields, opening to every field it carries,
// including what a newer NVSentinel adds (an idempotency key, fault-quarantine's recovery marker,
// a cancellation) and enum values this console does not know, shown as "unknown (<value>)".
import { useEffect, useRef, useState } from 'react';

import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import type { NodeEventRow } from '@/lib/queries/node-detail-view';
import { isMarkedFatalRecovery, MARKED_FATAL_NOTE } from '@/lib/queries/events-view';

import { cancellationLabel, enumLabel, IDEMPOTENCY_KEY } from './event-labels';

/** Columns of the node page's event table. */
const EVENT_COLUMNS = 8;

export function EventRow({ event, focused = false }: { event: NodeEventRow; focused?: boolean }) {
  const [open, setOpen] = useState(focused);
  // The event a link or a timeline point named: opened (when it becomes the one) and brought into view.
  const [wasFocused, setWasFocused] = useState(focused);
  if (focused !== wasFocused) {
    setWasFocused(focused);
    if (focused) setOpen(true);
  }
  const row = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    // (jsdom has no scrollIntoView.)
    if (focused) row.current?.scrollIntoView?.({ block: 'center' });
  }, [focused]);
  const severity = event.isHealthy ? 'recovered' : event.isFatal ? 'fatal' : 'unhealthy';
  const cancellation = cancellationLabel(event);
  const { nodeQuarantined, eviction } = event.status;
  return (
    <>
      <tr
        ref={row}
        className={`cursor-pointer border-t border-zinc-100 align-top hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/50 ${focused ? 'bg-sky-50 dark:bg-sky-950/50' : ''}`}
        onClick={() => setOpen(!open)}
        data-testid="event-row"
        data-record-id={event.recordId}
        data-severity={severity}
        data-focused={focused || undefined}
      >
        <td className="py-1 pr-3 whitespace-nowrap">
          <button
            type="button"
            aria-expanded={open}
            aria-label={`${open ? 'Hide' : 'Show'} every field`}
            className="mr-1 text-zinc-500 dark:text-zinc-400"
          >
            {open ? '▾' : '▸'}
          </button>
          <RelativeTime at={event.createdAt} />
        </td>
        <td className="pr-3">
          {event.checkName}
          {event.errorCode.length && !cancellation ? (
            <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">XID {event.errorCode.join(', ')}</span>
          ) : null}
          {cancellation ? (
            <span className="ml-1 text-xs text-emerald-700 dark:text-emerald-400" data-testid="event-cancellation">
              cancellation: {cancellation}
            </span>
          ) : null}
        </td>
        <td className="pr-3 text-xs" data-testid="event-entity">
          {event.entities.length > 0
            ? event.entities.map((entity, index) => (
                <span key={index} className="whitespace-nowrap">
                  {index > 0 ? ', ' : ''}
                  {entity.entityType} {entity.entityValue}
                </span>
              ))
            : '—'}
        </td>
        <td
          className={`pr-3 ${severity === 'fatal' ? 'text-red-600 dark:text-red-400' : severity === 'recovered' ? 'text-emerald-700 dark:text-emerald-400' : 'text-amber-700 dark:text-amber-400'}`}
        >
          {severity}
          {isMarkedFatalRecovery(event) ? (
            <span className="ml-1 text-xs text-red-600 dark:text-red-400" title={MARKED_FATAL_NOTE}>
              (marked fatal)
            </span>
          ) : null}
        </td>
        <td className="max-w-md truncate pr-3" title={event.message}>
          {event.message}
        </td>
        <td className="pr-3">{nodeQuarantined ? enumLabel(nodeQuarantined) : '—'}</td>
        <td className="pr-3">{eviction ? enumLabel(eviction) : '—'}</td>
        <td>{event.status.remediated === null ? '—' : event.status.remediated ? 'yes' : 'failed'}</td>
      </tr>
      {open ? (
        <tr className="bg-zinc-50 dark:bg-zinc-950/40">
          <td colSpan={EVENT_COLUMNS} className="px-3 py-2">
            <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs" data-testid="event-fields">
              <Field name="Record id" value={event.recordId} />
              <Field name="Agent" value={event.agent} />
              <Field name="Component class" value={event.componentClass} />
              <Field name="Generated" value={event.generatedAt ? <LocalTime at={event.generatedAt} /> : '—'} />
              <Field name="Stored" value={<LocalTime at={event.createdAt} />} />
              <Field name="Message" value={event.message || '—'} />
              <Field name="Error codes" value={event.errorCode.join(', ') || '—'} />
              {cancellation ? <Field name="Cancellation" value={`Cancellation event: ${cancellation}`} /> : null}
              <Field
                name="Entities"
                value={event.entities.map((entity) => `${entity.entityType} ${entity.entityValue}`).join(', ') || '—'}
              />
              <Field
                name="Recommended action"
                value={
                  enumLabel(event.recommendedAction) +
                  (event.customRecommendedAction ? ` (${event.customRecommendedAction})` : '')
                }
              />
              <Field name="Processing strategy" value={event.processingStrategy} />
              <Field
                name="Quarantine overrides"
                value={
                  event.quarantineOverrides
                    ? `force ${event.quarantineOverrides.force}, skip ${event.quarantineOverrides.skip}`
                    : '—'
                }
              />
              <Field
                name="Drain overrides"
                value={
                  event.drainOverrides ? `force ${event.drainOverrides.force}, skip ${event.drainOverrides.skip}` : '—'
                }
              />
              {event.metadata[IDEMPOTENCY_KEY] !== undefined ? (
                <Field name="Idempotency key" value={event.metadata[IDEMPOTENCY_KEY]} />
              ) : null}
              <Field
                name="Metadata"
                value={
                  Object.entries(event.metadata)
                    .map(([key, value]) => `${key}=${value}`)
                    .join(', ') || '—'
                }
              />
              <Field
                name="Quarantine"
                value={
                  <>
                    {nodeQuarantined ? enumLabel(nodeQuarantined) : 'not processed'}{' '}
                    {event.status.quarantineFinishedAt ? <LocalTime at={event.status.quarantineFinishedAt} /> : null}
                  </>
                }
              />
              {event.status.faultQuarantineRecovery ? (
                <Field name="Recovery" value={`fault-quarantine recovery: ${event.status.faultQuarantineRecovery}`} />
              ) : null}
              <Field
                name="Drain"
                value={
                  <>
                    {eviction ? enumLabel(eviction) : 'not started'} {event.status.evictionMessage}{' '}
                    {event.status.drainFinishedAt ? <LocalTime at={event.status.drainFinishedAt} /> : null}
                  </>
                }
              />
              <Field
                name="Remediation"
                value={
                  <>
                    {event.status.remediated === null
                      ? 'not processed'
                      : event.status.remediated
                        ? 'remediated'
                        : 'failed'}{' '}
                    {event.status.remediatedAt ? <LocalTime at={event.status.remediatedAt} /> : null}
                  </>
                }
              />
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
