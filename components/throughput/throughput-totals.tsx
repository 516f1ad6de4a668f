// The figures above the chart: events in range, fatal share, events/s over the last minute, and
// which provider served them (and whether from the console's roll-ups or every event). Fixed heights, tabular digits: live updates do not move the layout.
import { providerLabel } from '@/components/providers/provider-label';
import { cardClass } from '@/components/ui/panel';
import { formatRate } from '@/lib/format/rate';
import type { ThroughputTotals } from '@/lib/queries/throughput-view';

function Figure({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <div className={`${cardClass} h-24`}>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">{label}</p>
      <p className="mt-1 truncate text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </p>
      {detail ? <p className="truncate text-xs text-zinc-500 dark:text-zinc-400">{detail}</p> : null}
    </div>
  );
}

export function ThroughputFigures({
  totals,
  rangeLabel,
  provider,
  source,
}: {
  totals: ThroughputTotals | null;
  /** The range's name ("1 hour"); null for a zoom. */
  rangeLabel: string | null;
  provider: string | null;
  /** Where the counts came from: the console's roll-ups, or every event of the range (while they are built). */
  source: 'rollups' | 'events' | null;
}) {
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <Figure
        label={rangeLabel ? `Events, last ${rangeLabel}` : 'Events, zoomed time'}
        value={totals ? totals.events.toLocaleString() : '—'}
        testId="throughput-total"
      />
      <Figure
        label="Fatal share"
        value={
          totals
            ? totals.fatalShare === null
              ? '—'
              : `${(totals.fatalShare * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %`
            : '—'
        }
        detail={totals ? `${totals.fatal.toLocaleString()} fatal` : undefined}
        testId="throughput-fatal-share"
      />
      <Figure
        label={rangeLabel ? 'Events/s, last minute' : "Events/s, the zoom's last minute"}
        value={totals ? formatRate(totals.perSecondLastMinute) : '—'}
        testId="throughput-rate"
      />
      <Figure
        label="Served by"
        value={provider ? providerLabel(provider) : '—'}
        detail={
          source === 'rollups'
            ? "the console's roll-ups of its events"
            : source === 'events'
              ? 'every event of the range (counts still being built)'
              : "the app's datastore"
        }
        testId="throughput-provider"
      />
    </div>
  );
}
