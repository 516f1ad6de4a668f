'use client';
import { Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts';

import type { ConsumerLagView } from '@/lib/live/live-messages';

/** Documents behind over the judging window, oldest first. */
export function LagSparkline({ history }: { history: ConsumerLagView['history'] }) {
  const data = history.map((sample) => ({ at: sample.at, behind: sample.documentsBehind ?? 0 }));
  return (
    <div className="h-8 w-32" aria-label="documents behind over the last minute">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
          <YAxis hide domain={[0, 'dataMax']} />
          <Tooltip
            formatter={(value) => [`${Number(value).toLocaleString()} behind`, '']}
            labelFormatter={() => ''}
            contentStyle={{ fontSize: 11, padding: '2px 6px' }}
          />
          <Line
            type="monotone"
            dataKey="behind"
            stroke="#0ea5e9"
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
