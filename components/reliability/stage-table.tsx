// One row per check, agent or node: incidents, then each stage's p50 / p90 from the fault and how
// many reached it, then what went wrong (drain or remediation failed) and how incidents ended.
import { formatDuration } from '@/lib/format/time';
import {
  DIMENSION_LABELS,
  STAGES,
  type DimensionRow,
  type ReliabilityDimension,
  type Spread,
  type StageFigures,
} from '@/lib/queries/reliability-view';

export const STAGE_LABELS = {
  quarantine: 'Quarantine',
  drain: 'Drain',
  remediation: 'Remediation',
  release: 'Release',
} as const;

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** "p50 / p90" of a stage, or a dash when no incident reached it. */
export function spreadText(spread: Spread): string {
  if (!spread.count) return '—';
  return `${formatDuration(seconds(spread.p50))} / ${formatDuration(seconds(spread.p90))}`;
}

function Outcomes({ figures }: { figures: StageFigures }) {
  return (
    <>
      <td className="pr-3 text-right tabular-nums">{figures.drainFailed || '—'}</td>
      <td className="pr-3 text-right tabular-nums">{figures.remediationFailed || '—'}</td>
      <td className="pr-3 text-right tabular-nums">{figures.releasedByHand || '—'}</td>
      <td className="text-right tabular-nums">{figures.held || '—'}</td>
    </>
  );
}

export function StageTable({
  rows,
  by,
  fleet,
  incidents,
}: {
  rows: DimensionRow[];
  by: ReliabilityDimension;
  fleet: StageFigures;
  incidents: number;
}) {
  return (
    <table className="w-full text-left text-sm" data-testid="stage-table">
      <thead className="text-xs text-zinc-500 dark:text-zinc-400">
        <tr>
          <th className="py-1 pr-3 font-medium">{DIMENSION_LABELS[by]}</th>
          <th className="pr-3 text-right font-medium">Incidents</th>
          {STAGES.map((stage) => (
            <th key={stage} className="pr-3 text-right font-medium" title="From the fault: p50 / p90 (incidents timed)">
              {STAGE_LABELS[stage]} p50 / p90
            </th>
          ))}
          <th className="pr-3 text-right font-medium">Drain failed</th>
          <th className="pr-3 text-right font-medium">Remediation failed</th>
          <th className="pr-3 text-right font-medium">Released by hand</th>
          <th className="text-right font-medium">Still held</th>
        </tr>
      </thead>
      <tbody>
        <tr className="border-t border-zinc-200 font-medium dark:border-zinc-800" data-testid="fleet-row">
          <td className="py-1 pr-3">All</td>
          <td className="pr-3 text-right tabular-nums">{incidents.toLocaleString()}</td>
          {STAGES.map((stage) => (
            <td key={stage} className="pr-3 text-right whitespace-nowrap tabular-nums">
              {spreadText(fleet.stages[stage])}{' '}
              <span className="text-xs font-normal text-zinc-500 dark:text-zinc-400">
                ({fleet.stages[stage].count})
              </span>
            </td>
          ))}
          <Outcomes figures={fleet} />
        </tr>
        {rows.map((row) => (
          <tr key={row.key} className="border-t border-zinc-100 dark:border-zinc-800/60">
            <td className={`py-1 pr-3 whitespace-nowrap ${by === 'agent' ? '' : 'font-mono'}`}>
              {by === 'node' ? (
                <a
                  className="text-sky-700 hover:underline dark:text-sky-400"
                  href={`/nodes/${encodeURIComponent(row.key)}`}
                >
                  {row.key}
                </a>
              ) : (
                row.key || '(none)'
              )}
            </td>
            <td className="pr-3 text-right tabular-nums">{row.incidents.toLocaleString()}</td>
            {STAGES.map((stage) => (
              <td key={stage} className="pr-3 text-right whitespace-nowrap tabular-nums">
                {spreadText(row.stages[stage])}{' '}
                <span className="text-xs text-zinc-500 dark:text-zinc-400">({row.stages[stage].count})</span>
              </td>
            ))}
            <Outcomes figures={row} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
