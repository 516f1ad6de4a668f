// Time between incidents per node (the MTBI of the breakfix design proposed in NVIDIA/NVSentinel
// pull request #1413, not part of NVSentinel as deployed): a node's consecutive incidents,
// fault to fault, the first from its last incident before the range; a node with no other has none yet.
import { formatDuration } from '@/lib/format/time';
import type { NodeIntervals } from '@/lib/queries/reliability-view';

import { spreadText } from './stage-table';

export function IntervalTable({ nodes }: { nodes: NodeIntervals[] }) {
  return (
    <table className="w-full text-left text-sm" data-testid="interval-table">
      <thead className="text-xs text-zinc-500 dark:text-zinc-400">
        <tr>
          <th className="py-1 pr-3 font-medium">Node</th>
          <th className="pr-3 text-right font-medium">Incidents</th>
          <th className="pr-3 text-right font-medium">Intervals</th>
          <th className="pr-3 text-right font-medium">Mean (MTBI)</th>
          <th className="text-right font-medium">p50 / p90</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => (
          <tr key={node.nodeName} className="border-t border-zinc-100 dark:border-zinc-800/60">
            <td className="py-1 pr-3 font-mono whitespace-nowrap">
              <a
                className="text-sky-700 hover:underline dark:text-sky-400"
                href={`/nodes/${encodeURIComponent(node.nodeName)}`}
              >
                {node.nodeName}
              </a>
            </td>
            <td className="pr-3 text-right tabular-nums">{node.incidents.toLocaleString()}</td>
            <td className="pr-3 text-right tabular-nums">{node.count.toLocaleString()}</td>
            <td className="pr-3 text-right whitespace-nowrap tabular-nums">
              {node.mean === null ? '—' : formatDuration(node.mean / 1000)}
            </td>
            <td className="text-right whitespace-nowrap tabular-nums">{spreadText(node)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
