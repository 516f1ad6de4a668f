'use client';
// The stacked events-per-unit chart. Fixed height, no animation: live seconds move it in place.
import { useMemo, useSyncExternalStore } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';

import { formatRate } from '@/lib/format/rate';
import { OTHER_KEY, type ThroughputSeries } from '@/lib/queries/throughput-view';

import { chartRows, type ChartRow } from './chart-rows';

const PALETTE = ['#0ea5e9', '#8b5cf6', '#10b981', '#f59e0b', '#ec4899', '#14b8a6', '#6366f1', '#84cc16'];
const OTHER_COLOR = '#a1a1aa';

export function seriesColor(series: ThroughputSeries, index: number): string {
  const key = series.series[index]?.key;
  if (key === OTHER_KEY) return OTHER_COLOR;
  if (series.by === 'isFatal') return key === 'true' ? '#ef4444' : '#0ea5e9';
  return PALETTE[index % PALETTE.length];
}

const noSubscribe = () => () => {};

function timeLabel(at: number, bucketSeconds: number, withDate: boolean): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    ...(bucketSeconds < 60 ? { second: '2-digit' } : {}),
  });
  return withDate ? `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}` : time;
}

type Row = ChartRow & Record<`s${number}`, number>;

export function ThroughputChart({
  series,
  unitSeconds,
  unitLabel,
}: {
  series: ThroughputSeries;
  unitSeconds: number;
  unitLabel: string;
}) {
  // Times are in the viewer's zone, which the server cannot know: draw after hydration.
  const mounted = useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
  const rows = useMemo(
    () =>
      chartRows(series, unitSeconds).map(
        (row) => Object.assign({ ...row }, ...row.rates.map((rate, index) => ({ [`s${index}`]: rate }))) as Row,
      ),
    [series, unitSeconds],
  );
  const multiDay = series.bucketSeconds >= 3_600;
  return (
    <div
      className="h-80 w-full text-zinc-500 dark:text-zinc-400"
      data-testid="throughput-chart"
      role="figure"
      aria-label={`Stacked bars of ${unitLabel} per bucket`}
    >
      {mounted ? (
        <BarChart
          responsive
          style={{ width: '100%', height: '100%' }}
          data={rows}
          barCategoryGap={1}
          margin={{ top: 8, right: 8, bottom: 0, left: 0 }}
        >
          <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.2} />
          <XAxis
            dataKey="start"
            tickFormatter={(value: number) => timeLabel(value, series.bucketSeconds, multiDay)}
            minTickGap={32}
            tick={{ fill: 'currentColor', fontSize: 12 }}
            stroke="currentColor"
            strokeOpacity={0.4}
          />
          <YAxis
            width="auto"
            allowDecimals
            tickFormatter={(value: number) => formatRate(value)}
            tick={{ fill: 'currentColor', fontSize: 12 }}
            stroke="currentColor"
            strokeOpacity={0.4}
          />
          <Tooltip
            cursor={{ fill: 'currentColor', fillOpacity: 0.08 }}
            isAnimationActive={false}
            content={(props: TooltipContentProps) => <ChartTooltip {...props} series={series} unitLabel={unitLabel} />}
          />
          {series.series.map((entry, index) => (
            <Bar
              key={entry.key}
              dataKey={`s${index}`}
              name={entry.label}
              stackId="events"
              fill={seriesColor(series, index)}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      ) : null}
    </div>
  );
}

function ChartTooltip({
  active,
  payload,
  series,
  unitLabel,
}: TooltipContentProps & { series: ThroughputSeries; unitLabel: string }) {
  const row = payload?.[0]?.payload as Row | undefined;
  if (!active || !row) return null;
  const withDate = series.bucketSeconds >= 3_600;
  return (
    <div className="rounded-md border border-zinc-200 bg-white px-3 py-2 text-xs text-zinc-900 shadow-md dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100">
      <p className="mb-1 font-medium">
        {timeLabel(row.start, series.bucketSeconds, withDate)} – {timeLabel(row.end, series.bucketSeconds, withDate)}
        {row.inProgress ? <span className="ml-1 font-normal text-zinc-500">(in progress)</span> : null}
      </p>
      <table className="tabular-nums">
        <tbody>
          {series.series.map((entry, index) =>
            row.counts[index] > 0 ? (
              <tr key={entry.key}>
                <td className="pr-2">
                  <span
                    aria-hidden
                    className="mr-1.5 inline-block h-2 w-2 rounded-sm"
                    style={{ backgroundColor: seriesColor(series, index) }}
                  />
                  {entry.label}
                </td>
                <td className="pr-2 text-right">{formatRate(row.rates[index])}</td>
                <td className="text-right text-zinc-500">{row.counts[index].toLocaleString()}</td>
              </tr>
            ) : null,
          )}
          <tr className="border-t border-zinc-200 dark:border-zinc-700">
            <td className="pr-2 font-medium">total</td>
            <td className="pr-2 text-right font-medium">
              {formatRate(row.rates.reduce((sum, rate) => sum + rate, 0))}
            </td>
            <td className="text-right text-zinc-500">{row.total.toLocaleString()}</td>
          </tr>
        </tbody>
      </table>
      <p className="mt-1 text-zinc-500">{unitLabel}; events in the bucket on the right</p>
    </div>
  );
}

export function ThroughputLegend({ series }: { series: ThroughputSeries }) {
  return (
    <ul
      className="mt-3 flex min-h-5 flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400"
      aria-label="Series"
    >
      {series.series.map((entry, index) => (
        <li key={entry.key} className="flex items-center gap-1.5">
          <span
            aria-hidden
            className="inline-block h-2.5 w-2.5 rounded-sm"
            style={{ backgroundColor: seriesColor(series, index) }}
          />
          <span className={entry.key === OTHER_KEY ? 'italic' : 'font-mono'}>{entry.label}</span>
        </li>
      ))}
    </ul>
  );
}
