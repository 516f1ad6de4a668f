'use client';
// The search's events per node: how many, how many fatal, first and last, and the entities (GPUs,
// NICs) they named. A node's count and each of its entities open the same search narrowed to them.
import Link from 'next/link';

import { LocalTime, RelativeTime } from '@/components/ui/relative-time';
import {
  entityLabel,
  eventSearchHref,
  narrowedSearch,
  type EventParams,
  type NodeGroupRow,
} from '@/lib/queries/events-view';

const link = 'text-sky-700 hover:underline dark:text-sky-400';
const head = 'py-2 pr-3 font-medium first:pl-3';

export function NodeGroupTable({ nodes, params }: { nodes: NodeGroupRow[]; params: EventParams }) {
  return (
    <table className="w-full text-left text-sm" data-testid="event-node-groups">
      <thead className="border-b border-zinc-200 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
        <tr>
          <th className={head}>Node</th>
          <th className={`${head} text-right`}>Events</th>
          <th className={`${head} text-right`}>Fatal</th>
          <th className={head}>First</th>
          <th className={head}>Last</th>
          <th className={head}>Entities</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((group) => (
          <tr
            key={group.nodeName}
            className="border-t border-zinc-100 align-top dark:border-zinc-800"
            data-testid="event-node-group"
            data-node={group.nodeName}
          >
            <td className="py-1.5 pr-3 pl-3 font-mono text-xs whitespace-nowrap">
              <Link href={`/nodes/${encodeURIComponent(group.nodeName)}`} className={link}>
                {group.nodeName}
              </Link>
            </td>
            <td className="pr-3 text-right tabular-nums">
              <Link
                href={eventSearchHref(narrowedSearch(params, group.nodeName))}
                className={link}
                title={`The events of ${group.nodeName}`}
                data-testid="event-node-group-count"
              >
                {group.count.toLocaleString()}
              </Link>
            </td>
            <td
              className={`pr-3 text-right tabular-nums ${group.fatal ? 'text-red-700 dark:text-red-400' : 'text-zinc-500 dark:text-zinc-400'}`}
            >
              {group.fatal.toLocaleString()}
            </td>
            <td className="pr-3 whitespace-nowrap">
              <LocalTime at={group.firstAt} className="text-xs" />
            </td>
            <td className="pr-3 whitespace-nowrap">
              <RelativeTime at={group.lastAt} />
            </td>
            <td className="pr-3">
              <div className="flex flex-wrap gap-1 py-0.5">
                {group.entities.length === 0 ? <span className="text-zinc-500 dark:text-zinc-400">—</span> : null}
                {group.entities.map((entity) => (
                  <Link
                    key={`${entity.entityType}:${entity.entityValue}`}
                    href={eventSearchHref(narrowedSearch(params, group.nodeName, entity))}
                    className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs whitespace-nowrap text-sky-800 hover:bg-zinc-200 dark:bg-zinc-800 dark:text-sky-300 dark:hover:bg-zinc-700"
                    title={`The events of ${entityLabel(entity)} on ${group.nodeName}`}
                    data-testid="event-node-group-entity"
                  >
                    {entityLabel(entity)}
                  </Link>
                ))}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
