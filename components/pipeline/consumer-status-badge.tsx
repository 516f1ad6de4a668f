import type { ConsumerLagView } from '@/lib/live/live-messages';

const LOOK: Record<ConsumerLagView['status'], { label: string; className: string }> = {
  ok: { label: 'OK', className: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300' },
  'falling-behind': {
    label: 'Falling behind',
    className: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  },
  stalled: { label: 'Stalled', className: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300' },
  stopped: { label: 'Stopped', className: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300' },
  'position-lost': { label: 'Position lost', className: 'bg-red-200 text-red-900 dark:bg-red-900 dark:text-red-100' },
};

export function ConsumerStatusBadge({ status, reason }: { status: ConsumerLagView['status']; reason: string }) {
  return (
    <span
      title={reason}
      data-status={status}
      className={`inline-flex whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${LOOK[status].className}`}
    >
      {LOOK[status].label}
    </span>
  );
}
