'use client';
// A node's events over time, one row per check, coloured by severity, with the quarantine
// sessions as bands (orange: quarantined, blue: draining) and remediations as lines.
import {
  CartesianGrid,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

import { formatLocalTime } from '@/lib/format/time';
import type { NodeEventRow } from '@/lib/queries/node-detail-view';

interface Point {
  x: number;
  y: string;
  event: NodeEventRow;
}
interface Band {
  from: number;
  to: number;
  kind: 'quarantine' | 'drain';
}

/** Quarantine and drain periods, from the events' status fields. */
export function sessionBands(
  events: NodeEventRow[],
  now: number,
): { bands: Band[]; remediations: { at: number; ok: boolean }[] } {
  const ordered = [...events].sort((a, b) => a.createdAt - b.createdAt);
  const bands: Band[] = [];
  const remediations: { at: number; ok: boolean }[] = [];
  let open: { from: number; event: NodeEventRow } | null = null;
  const close = (to: number) => {
    if (!open) return;
    bands.push({ from: open.from, to, kind: 'quarantine' });
    const drain = open.event.status;
    if (drain.eviction === 'InProgress' || drain.drainFinishedAt)
      bands.push({ from: open.from, to: drain.drainFinishedAt ?? to, kind: 'drain' });
    open = null;
  };
  for (const event of ordered) {
    const decision = event.status.nodeQuarantined;
    if (decision === 'Quarantined') {
      close(event.createdAt);
      open = { from: event.status.quarantineFinishedAt ?? event.createdAt, event };
    } else if (decision === 'UnQuarantined') close(event.status.quarantineFinishedAt ?? event.createdAt);
    if (event.status.remediated !== null)
      remediations.push({
        at: event.status.remediatedAt ?? event.status.drainFinishedAt ?? event.createdAt,
        ok: event.status.remediated,
      });
  }
  // A session whose events were all Cancelled ended by hand; it shows as a band up to its last event.
  close(now);
  return { bands, remediations };
}

function EventTooltip({ active, payload }: { active?: boolean; payload?: { payload: Point }[] }) {
  const point = payload?.[0]?.payload;
  if (!active || !point) return null;
  const { event } = point;
  return (
    <div className="max-w-xs rounded border border-zinc-200 bg-white p-2 text-xs shadow dark:border-zinc-700 dark:bg-zinc-900">
      <p className="font-medium">
        {event.checkName} {event.isHealthy ? '(recovered)' : event.isFatal ? '(fatal)' : ''}
      </p>
      <p className="text-zinc-500">{formatLocalTime(point.x)}</p>
      {event.errorCode.length ? <p>XID {event.errorCode.join(', ')}</p> : null}
      <p className="break-words">{event.message}</p>
    </div>
  );
}

export function NodeTimeline({ events, from, to }: { events: NodeEventRow[]; from: number; to: number }) {
  const points = (kind: (event: NodeEventRow) => boolean): Point[] =>
    events.filter(kind).map((event) => ({ x: event.generatedAt ?? event.createdAt, y: event.checkName, event }));
  const checks = [...new Set(events.map((event) => event.checkName))].sort();
  const { bands, remediations } = sessionBands(events, to);
  const height = Math.max(160, 60 + checks.length * 28);
  return (
    <div style={{ height }} data-testid="node-timeline">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.1} />
          <XAxis
            type="number"
            dataKey="x"
            domain={[from, to]}
            scale="time"
            tickFormatter={(value: number) =>
              new Date(value).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
            }
            tick={{ fontSize: 11 }}
          />
          <YAxis
            type="category"
            dataKey="y"
            allowDuplicatedCategory={false}
            ticks={checks}
            interval={0}
            width={170}
            tick={{ fontSize: 11 }}
          />
          {bands.map((band, index) => (
            <ReferenceArea
              key={index}
              x1={Math.max(band.from, from)}
              x2={Math.min(band.to, to)}
              fill={band.kind === 'quarantine' ? '#f97316' : '#0ea5e9'}
              fillOpacity={band.kind === 'quarantine' ? 0.12 : 0.18}
              ifOverflow="hidden"
            />
          ))}
          {remediations.map((remediation, index) => (
            <ReferenceLine
              key={index}
              x={remediation.at}
              stroke={remediation.ok ? '#14b8a6' : '#dc2626'}
              strokeDasharray="4 2"
              ifOverflow="hidden"
            />
          ))}
          <Tooltip content={<EventTooltip />} cursor={{ strokeDasharray: '3 3' }} />
          <Scatter
            name="Fatal"
            data={points((e) => e.isFatal && !e.isHealthy)}
            fill="#dc2626"
            isAnimationActive={false}
          />
          <Scatter
            name="Unhealthy"
            data={points((e) => !e.isFatal && !e.isHealthy)}
            fill="#f59e0b"
            isAnimationActive={false}
          />
          <Scatter name="Recovered" data={points((e) => e.isHealthy)} fill="#10b981" isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
