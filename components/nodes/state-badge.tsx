import { NODE_STATE_LABELS, type NodeState } from '@/lib/node-state/node-view';

export const STATE_COLOURS: Record<NodeState, string> = {
  healthy: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  unhealthy: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  quarantined: 'bg-orange-100 text-orange-800 dark:bg-orange-950 dark:text-orange-300',
  draining: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  'drain-failed': 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
  remediating: 'bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-300',
  remediated: 'bg-teal-100 text-teal-800 dark:bg-teal-950 dark:text-teal-300',
  'remediation-failed': 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300',
  released: 'bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200',
};

export function StateBadge({ state }: { state: NodeState }) {
  return (
    <span
      data-state={state}
      className={`inline-flex whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${STATE_COLOURS[state]}`}
    >
      {NODE_STATE_LABELS[state]}
    </span>
  );
}
