'use client';
// The search's events, newest first: one row each, which opens in place.
import type { EventParams, EventSearchRow } from '@/lib/queries/events-view';

import { EventSearchRowView } from './event-search-row';

const head = 'px-3 py-2 font-medium first:pl-3 [&:not(:first-child)]:pl-0';

export function EventTable({ events, params }: { events: EventSearchRow[]; params: EventParams }) {
  return (
    <table className="w-full text-left text-sm" data-testid="event-search-table">
      <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
        <tr>
          <th className={head}>Time</th>
          <th className={head}>Node</th>
          <th className={head}>Check</th>
          <th className={head}>XID</th>
          <th className={head}>Entity</th>
          <th className={head}>Severity</th>
          <th className={head}>Recommended action</th>
          <th className={head}>Message</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <EventSearchRowView key={event.recordId} event={event} params={params} />
        ))}
      </tbody>
    </table>
  );
}
