// One node of the Nodes table. What the node's state cannot say is noted beside it: a quarantine
// requested but not yet acted on, and values a newer NVSentinel wrote that this console does not
// know (a recommended action or a drain status), shown as "unknown (<value>)", never as a known state;
// and a node out of NVSentinel's hands (the maintenance opt-out), until when.
import Link from 'next/link';

import { RelativeTime } from '@/components/ui/relative-time';
import type { NodeView } from '@/lib/node-state/node-view';
import { DISAGREEMENT_LABELS, type ClusterDisagreement } from '@/lib/queries/nodes-view';
import type { OptedOutMark } from '@/lib/queries/opt-out-view';

import { enumLabel, isUnknownEnum } from './event-labels';
import { OptOutMark } from './opt-out-mark';
import { StateBadge } from './state-badge';

/** Notes on the node's session for values this console does not know. */
function unknownNotes(view: NodeView): string[] {
  const session = view.session;
  if (!session) return [];
  const notes: string[] = [];
  if (isUnknownEnum(session.recommendedAction)) notes.push(`action ${enumLabel(session.recommendedAction)}`);
  if (isUnknownEnum(session.eviction)) notes.push(`drain ${enumLabel(session.eviction)}`);
  return notes;
}

export function NodeRow({
  view,
  cluster = null,
  selection,
  onHover,
  onFocusWithin,
  held = null,
}: {
  view: NodeView;
  /** Why the row holds its place while the list re-sorts (the pointer is over it, or focus is in it); null: it does not. */
  held?: 'pointer' | 'focus' | null;
  /** The pointer came over the row (true) or left it; the list keeps a hovered row in place. */
  onHover?: (over: boolean) => void;
  /** Keyboard focus came into the row (its link or tick box) or left it; the list keeps that row in place too. */
  onFocusWithin?: (within: boolean) => void;
  /** The bulk bar's tick box (operators and admins); absent: no selection column. */
  selection?: { checked: boolean; onChange: (checked: boolean) => void };
  /** The cluster's word on the node; null without cluster access. */
  cluster?: {
    cordoned: boolean | null;
    disagreement: ClusterDisagreement | null;
    optedOut?: OptedOutMark | null;
  } | null;
}) {
  return (
    <tr
      className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
      data-testid="node-row"
      data-node={view.name}
      data-state={view.state}
      data-held={held ?? undefined}
      onPointerEnter={onHover && (() => onHover(true))}
      onPointerLeave={onHover && (() => onHover(false))}
      onFocus={onFocusWithin && (() => onFocusWithin(true))}
      onBlur={
        onFocusWithin &&
        ((event) => {
          // Focus moving between the row's own link and tick box keeps it.
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) onFocusWithin(false);
        })
      }
    >
      {selection ? (
        <td className="w-8 py-1.5 pl-3">
          <input
            type="checkbox"
            checked={selection.checked}
            onChange={(event) => selection.onChange(event.target.checked)}
            aria-label={`Select ${view.name}`}
            data-testid="node-select"
            className="h-4 w-4 align-middle"
          />
        </td>
      ) : null}
      <td className="px-3 py-1.5 font-mono">
        <Link
          href={`/nodes/${encodeURIComponent(view.name)}`}
          className="text-sky-700 hover:underline dark:text-sky-400"
        >
          {view.name}
        </Link>
      </td>
      <td className="px-3 py-1.5">
        <StateBadge state={view.state} />
        {view.quarantineRequested ? (
          <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">quarantine requested</span>
        ) : null}
        {unknownNotes(view).map((note) => (
          <span key={note} className="ml-2 text-xs text-zinc-500 dark:text-zinc-400" data-testid="node-unknown">
            {note}
          </span>
        ))}
      </td>
      <td className="px-3 py-1.5" data-testid="node-cordoned" data-cordoned={cluster?.cordoned ?? 'unknown'}>
        {cluster === null ? (
          <span className="text-zinc-500 dark:text-zinc-400" title="No cluster access">
            —
          </span>
        ) : cluster.cordoned === null ? (
          <span className="text-zinc-500 dark:text-zinc-400" title="No node of this name in the cluster">
            not in cluster
          </span>
        ) : cluster.cordoned ? (
          'yes'
        ) : (
          'no'
        )}
        {cluster?.disagreement ? (
          <span className="ml-2 text-xs text-amber-700 dark:text-amber-400" data-testid="node-disagreement">
            {DISAGREEMENT_LABELS[cluster.disagreement]}
          </span>
        ) : null}
        <OptOutMark mark={cluster?.optedOut} />
      </td>
      <td className="px-3 py-1.5 text-zinc-600 dark:text-zinc-400" data-testid="node-in-state">
        <RelativeTime at={view.stateSince} />
      </td>
      <td className="px-3 py-1.5 text-zinc-600 dark:text-zinc-400">
        {view.lastCheck ? <span className="mr-2">{view.lastCheck}</span> : null}
        <RelativeTime at={view.lastEventAt} className="text-xs" />
      </td>
      <td className="px-3 py-1.5 text-right tabular-nums" data-testid="node-fatal">
        {view.fatalCount.toLocaleString()}
      </td>
      <td className="px-3 py-1.5 text-right tabular-nums">{view.openFaults}</td>
    </tr>
  );
}
