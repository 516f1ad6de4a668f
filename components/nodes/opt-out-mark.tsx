'use client';
// The Nodes list's "Opted out" mark: a node out of NVSentinel's hands, until when and for how much
// longer (the console's own opt-out), or "outside the console" (kubectl, janitor), which has no end.
import { LocalTime } from '@/components/ui/relative-time';
import { useNow } from '@/components/ui/use-now';
import { spanText, type OptedOutMark } from '@/lib/queries/opt-out-view';

export function OptOutMark({ mark }: { mark: OptedOutMark | null | undefined }) {
  const now = useNow();
  if (!mark) return null;
  return (
    <span
      className="ml-2 inline-block rounded bg-violet-100 px-1.5 py-0.5 text-xs text-violet-900 dark:bg-violet-950 dark:text-violet-200"
      data-testid="node-opted-out"
      data-until={mark.until === null ? undefined : new Date(mark.until).toISOString()}
      title={
        mark.byConsole
          ? 'Out of NVSentinel’s hands (ManagedByNVSentinel=false): the console puts it back at this time'
          : 'Out of NVSentinel’s hands by a label set outside the console; the console does not end it'
      }
    >
      Opted out
      {mark.byConsole ? (
        mark.until === null ? (
          ' (end unreadable)'
        ) : (
          <>
            {' '}
            until <LocalTime at={mark.until} />
            {now !== null && mark.until > now ? ` (${spanText(mark.until - now)} left)` : ''}
          </>
        )
      ) : (
        ' outside the console'
      )}
    </span>
  );
}
