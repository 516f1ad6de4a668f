'use client';
import { Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts';

import type { ConsumerLagView } from '@/lib/live/live-messages';

/**
 * Documents behind over the judging window, oldest first. One image with a name saying what it
 * shows (the row's figures are in its other cells); recharts' keyboard layer would add an unnamed
 * tab stop per consumer for a 32 px line, so it is off.
 */
export function LagSparkline({ history }: { history: ConsumerLagView['history'] }) {
  const data = history.map((sample) => ({ at: sample.at, behind: sample.documentsBehind ?? 0 }));
  const peak = Math.max(0, ...data.map((sample) => sample.behind));
  return (
    <div
      className="h-8 w-32"
      role="img"
      aria-label={`Documents behind over the last minute: at most ${peak.toLocaleString()}`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }} accessibilityLayer={false}>
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
